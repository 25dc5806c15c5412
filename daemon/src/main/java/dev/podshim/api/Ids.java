package dev.podshim.api;

import dev.podshim.errors.CriException;

/** Checks of id fields shared by the handlers. */
final class Ids {
  private Ids() {}

  static void require(String field, String value) {
    if (value.isEmpty()) {
      throw CriException.invalidArgument(field + ": is required");
    }
  }
}
