package dev.podshim.errors;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The metadata a pod or container carries, with one set of limits for both: names (and their
 * parts) and the label and annotation maps. Names end up in runtime names, log lines and conmon's
 * arguments; the maps are stored and echoed in every status and list answer.
 */
public final class Metadata {
  /** A Kubernetes object name's limit (DNS subdomain). */
  public static final int MAX_NAME = 253;
  /** Kubernetes caps all annotations of an object at 256 KiB; labels get the same ceiling. */
  public static final int MAX_MAP_BYTES = 256 * 1024;
  private static final Pattern NAME_PART = Pattern.compile("[^/\\x00-\\x1f\\x7f]+");

  private Metadata() {}

  /** At most {@value #MAX_NAME} printable characters, without '/' or '..'; empty only when not required. */
  public static void name(String field, String value, boolean required) {
    if (value.isEmpty()) {
      if (required) {
        throw CriException.invalidArgument(field + ": must not be empty");
      }
      return;
    }
    if (value.length() > MAX_NAME || !NAME_PART.matcher(value).matches() || value.contains("..")) {
      throw CriException.invalidArgument(field + ": must be at most " + MAX_NAME
          + " printable characters without '/' or '..'");
    }
  }

  /** Keys not empty, keys and values together at most {@value #MAX_MAP_BYTES} bytes. */
  public static void mapSize(String field, Map<String, String> map) {
    long bytes = 0;
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getKey().isEmpty()) {
        throw CriException.invalidArgument(field + ": keys must not be empty");
      }
      bytes += e.getKey().length() + e.getValue().length();
    }
    if (bytes > MAX_MAP_BYTES) {
      throw CriException.invalidArgument(field + ": total size " + bytes + " bytes exceeds " + MAX_MAP_BYTES);
    }
  }
}
