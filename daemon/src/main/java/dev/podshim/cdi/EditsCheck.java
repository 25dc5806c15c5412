package dev.podshim.cdi;

import java.util.Set;

/** The CDI spec's rules for container edits, checked when a spec file is loaded. */
final class EditsCheck {
  static final Set<String> HOOK_NAMES =
      Set.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");
  private static final Set<String> NODE_TYPES = Set.of("", "b", "c", "u", "p");

  private EditsCheck() {}

  static void check(String where, CdiSpec.Edits e) {
    env(where + ".env", e.env());
    for (int i = 0; i < e.deviceNodes().size(); i++) {
      CdiSpec.DeviceNode n = e.deviceNodes().get(i);
      String at = where + ".deviceNodes[" + i + "]";
      if (n.path().isEmpty()) {
        throw new IllegalArgumentException(at + ".path is empty");
      }
      if (!NODE_TYPES.contains(n.type())) {
        throw new IllegalArgumentException(at + ".type " + quoted(n.type()) + " is not b, c, u or p");
      }
      if (!n.permissions().equals("none") && !n.permissions().matches("[rwm]*")) {
        throw new IllegalArgumentException(at + ".permissions " + quoted(n.permissions())
            + " is not a combination of r, w and m, nor none");
      }
    }
    for (int i = 0; i < e.hooks().size(); i++) {
      CdiSpec.Hook h = e.hooks().get(i);
      String at = where + ".hooks[" + i + "]";
      if (!HOOK_NAMES.contains(h.hookName())) {
        throw new IllegalArgumentException(at + ".hookName " + quoted(h.hookName()) + " is not one of "
            + new java.util.TreeSet<>(HOOK_NAMES));
      }
      if (h.path().isEmpty()) {
        throw new IllegalArgumentException(at + ".path is empty");
      }
      if (h.timeout() != null && h.timeout() <= 0) {
        throw new IllegalArgumentException(at + ".timeout must be positive, got " + h.timeout());
      }
      env(at + ".env", h.env());
    }
    for (int i = 0; i < e.mounts().size(); i++) {
      CdiSpec.Mount m = e.mounts().get(i);
      String at = where + ".mounts[" + i + "]";
      if (m.hostPath().isEmpty()) {
        throw new IllegalArgumentException(at + ".hostPath is empty");
      }
      if (m.containerPath().isEmpty()) {
        throw new IllegalArgumentException(at + ".containerPath is empty");
      }
    }
    if (e.intelRdt() != null) {
      String clos = e.intelRdt().closID();
      if (clos.length() >= 4096 || clos.equals(".") || clos.equals("..") || clos.contains("/") || clos.contains("\n")) {
        throw new IllegalArgumentException(where + ".intelRdt.closID " + quoted(clos) + " is not a file name");
      }
    }
    for (long gid : e.additionalGids()) {
      if (gid < 0 || gid > 0xffffffffL) {
        throw new IllegalArgumentException(where + ".additionalGids: " + gid + " is not a uint32");
      }
    }
  }

  private static void env(String where, java.util.List<String> env) {
    for (String v : env) {
      if (v.indexOf('=') <= 0) {
        throw new IllegalArgumentException(where + ": " + quoted(v) + " is not NAME=value");
      }
    }
  }

  private static String quoted(String s) {
    return dev.podshim.errors.Inputs.quoted(s);
  }
}
