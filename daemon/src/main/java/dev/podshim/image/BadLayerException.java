package dev.podshim.image;

import java.io.IOException;

/** A layer whose content must not be applied: an entry escaping the root, a malformed tar, a wrong diff id. */
final class BadLayerException extends IOException {
  BadLayerException(String message) {
    super(message);
  }

  BadLayerException(String message, Throwable cause) {
    super(message, cause);
  }
}
