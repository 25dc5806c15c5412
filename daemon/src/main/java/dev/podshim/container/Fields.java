package dev.podshim.container;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import java.util.List;

/** Checks of client-sent values, and INVALID_ARGUMENT errors that name the CRI field at fault. */
final class Fields {
  static final String SECURITY = "config.linux.security_context";

  private Fields() {}

  static CriException invalid(String field, String why) {
    return CriException.invalidArgument(field + ": " + why);
  }

  /** {@code s} as it can be shown in a message: see {@link Inputs#quoted}. */
  static String quoted(String s) {
    return Inputs.quoted(s);
  }

  /** Refuses a NUL byte: it cannot reach execve, a path or a cgroup file intact. */
  static String noNul(String field, String value) {
    if (value.indexOf('\0') >= 0) {
      throw invalid(field, "contains a NUL byte");
    }
    return value;
  }

  static List<String> noNul(String field, List<String> values) {
    for (int i = 0; i < values.size(); i++) {
      noNul(field + "[" + i + "]", values.get(i));
    }
    return values;
  }

  static String absolute(String field, String path) {
    Inputs.path(field, path, Inputs.MAX_PATH_BYTES);
    if (!path.startsWith("/")) {
      throw invalid(field, "must be absolute, got " + quoted(path));
    }
    return path;
  }
}
