package dev.podshim.streaming;

import java.util.Locale;

/** How a streaming session ended: the {@code outcome} tag and log field, a fixed small set. */
enum Outcome {
  /** The command exited 0, the attached container ended, or the port-forward client hung up. */
  SUCCESS,
  /** The exec'ed command exited with a code other than 0. */
  EXIT_NONZERO,
  /** The backend could not start or run the session (container gone, dial failed for all). */
  ERROR,
  /** The client went away before the command ended. */
  CLIENT_GONE,
  /** The client did not open the streams it asked for in time. */
  TIMEOUT,
  /** The server shut down under the session. */
  CLOSED,
  /** Refused at the door: too many sessions at once. */
  REJECTED;

  String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
