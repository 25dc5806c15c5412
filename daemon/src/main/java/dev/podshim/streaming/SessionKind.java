package dev.podshim.streaming;

import java.util.Locale;

/** The three things a streaming URL can be for; also the path segment and the metrics tag. */
enum SessionKind {
  EXEC,
  ATTACH,
  PORTFORWARD;

  String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
