package dev.podshim.oci;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The OCI runtime refused or failed a call; the message carries its own stderr line. */
public final class OciException extends RuntimeException {
  private static final Pattern RUNC_MSG = Pattern.compile("msg=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private final boolean notFound;
  private final Blame blame;

  /** Whose fault the failure was, as the runtime's message tells (see {@link Refusals}). */
  public enum Blame {
    /** The request asked for what the runtime or the kernel refuses. */
    REQUEST,
    /** The container is not in a state the call needs (stopped, not running). */
    STATE,
    /** The runtime's or podshim's own failure. */
    RUNTIME
  }

  OciException(String message, boolean notFound) {
    super(message);
    this.notFound = notFound;
    this.blame = Refusals.blame(message);
  }

  public Blame blame() {
    return blame;
  }

  /** The runtime does not know the container (deleted, or never created). */
  public boolean notFound() {
    return notFound;
  }

  /** The last non-empty line of the runtime's stderr, runc's logrus {@code msg="…"} unwrapped. */
  static String lastLine(String stderr) {
    String last = "";
    for (String line : stderr.split("\n")) {
      if (!line.isBlank()) {
        last = line.trim();
      }
    }
    Matcher m = RUNC_MSG.matcher(last);
    if (m.find()) {
      last = m.group(1).replace("\\\"", "\"");
    }
    return last.isEmpty() ? "(no error output)" : last;
  }

  static boolean saysNotFound(String line) {
    return line.contains("does not exist") || line.contains("not found") || line.contains("No such file");
  }
}
