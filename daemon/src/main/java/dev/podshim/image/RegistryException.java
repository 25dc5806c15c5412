package dev.podshim.image;

import java.io.IOException;

/** A registry refused or could not answer; the reason decides the CRI error and the metric tag. */
final class RegistryException extends IOException {
  enum Reason {
    AUTH, NOT_FOUND, NETWORK, OTHER
  }

  private final Reason reason;

  RegistryException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  RegistryException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  Reason reason() {
    return reason;
  }
}
