package dev.podshim.api;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;

/** Checks of id fields shared by the handlers. */
final class Ids {
  private Ids() {}

  /** Ids are 64 hex characters; crictl users type prefixes. Anything longer is not an id. */
  private static final int MAX_ID = 128;

  static void require(String field, String value) {
    if (value.isEmpty()) {
      throw CriException.invalidArgument(field + ": is required");
    }
    if (value.length() > MAX_ID) {
      throw CriException.invalidArgument(field + ": " + Inputs.quoted(value) + " is not an id (at most "
          + MAX_ID + " characters)");
    }
  }
}
