package dev.podshim.image;

import java.io.IOException;

/** Content whose digest or size differs from what its descriptor promised; nothing was stored. */
final class DigestMismatchException extends IOException {
  DigestMismatchException(String message) {
    super(message);
  }
}
