package dev.podshim.errors;

import java.nio.charset.StandardCharsets;

/**
 * Checks of client-sent values that reach a path, and the one way to quote such a value in an
 * error or a log line: short values whole, long ones by their length and a prefix, so a 4 MB
 * field never becomes a 4 MB message.
 */
public final class Inputs {
  /** Longest value quoted whole. */
  static final int MAX_QUOTED = 80;
  /** Longest value logged whole: room for any image reference (name, tag and digest). */
  static final int MAX_LOGGED = 512;
  private static final int PREFIX = 32;
  /** NAME_MAX: the longest file name component Linux takes. */
  public static final int MAX_COMPONENT_BYTES = 255;
  /** PATH_MAX less the room the daemon's own prefixes need (mount points, state root). */
  public static final int MAX_PATH_BYTES = 3072;

  private Inputs() {}

  /** {@code "value"} with control characters shown as '?', or {@code (N bytes) starting "prefix…"}. */
  public static String quoted(String value) {
    return value.length() <= MAX_QUOTED ? "\"" + printable(value) + "\"" : lengthAndPrefix(value);
  }

  /**
   * The same for a log field, whose quotes the log layout adds: {@code value} up to
   * {@value #MAX_LOGGED} characters, or {@code (N bytes) starting "prefix…"}. The layout bounds a
   * line only once it has built it: a 16 MB id logged as it is costs tens of MB of heap per line.
   */
  public static String logged(String value) {
    return value.length() <= MAX_LOGGED ? printable(value) : lengthAndPrefix(value);
  }

  private static String lengthAndPrefix(String value) {
    return "(" + value.getBytes(StandardCharsets.UTF_8).length + " bytes) starting \""
        + printable(value.substring(0, PREFIX)) + "…\"";
  }

  /** Control characters as '?'; the string itself when it has none (no copy, no regex). */
  private static String printable(String s) {
    int i = 0;
    while (i < s.length() && !isControl(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    char[] chars = s.toCharArray();
    for (; i < chars.length; i++) {
      if (isControl(chars[i])) {
        chars[i] = '?';
      }
    }
    return new String(chars);
  }

  private static boolean isControl(char c) {
    return c < 0x20 || c == 0x7f;
  }

  /**
   * Refuses a path the kernel would refuse with ENAMETOOLONG, or that holds a NUL: each component
   * at most 255 bytes, the whole at most {@code maxBytes}.
   */
  public static void path(String field, String path, int maxBytes) {
    if (path.indexOf('\0') >= 0) {
      throw CriException.invalidArgument(field + ": " + quoted(path) + " contains a NUL byte");
    }
    int total = path.getBytes(StandardCharsets.UTF_8).length;
    if (total > maxBytes) {
      throw CriException.invalidArgument(field + ": " + quoted(path) + " is longer than " + maxBytes + " bytes");
    }
    for (String component : path.split("/")) {
      if (component.getBytes(StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES) {
        throw CriException.invalidArgument(field + ": " + quoted(path) + " has a component longer than "
            + MAX_COMPONENT_BYTES + " bytes");
      }
    }
  }
}
