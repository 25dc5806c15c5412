package dev.podshim.cdi;

/**
 * A fully qualified CDI device name, {@code vendor/class=name}: vendor and class start with a
 * letter and hold letters, digits, '_', '-' and '.'; the name starts with a letter or digit and
 * may also hold ':'. Both end with a letter or digit.
 */
public record DeviceName(String vendor, String deviceClass, String name) {
  /** The spec's kind, {@code vendor/class}. */
  public String kind() {
    return vendor + "/" + deviceClass;
  }

  @Override
  public String toString() {
    return kind() + "=" + name;
  }

  /** @throws IllegalArgumentException saying what is wrong with {@code qualified} */
  public static DeviceName parse(String qualified) {
    int eq = qualified.indexOf('=');
    int slash = eq < 0 ? -1 : qualified.substring(0, eq).indexOf('/');
    if (eq < 0 || slash <= 0 || slash == eq - 1 || eq == qualified.length() - 1) {
      throw new IllegalArgumentException("is not a qualified CDI device name (vendor.com/class=name)");
    }
    String vendor = qualified.substring(0, slash);
    String deviceClass = qualified.substring(slash + 1, eq);
    String name = qualified.substring(eq + 1);
    checkVendorOrClass("vendor", vendor);
    checkVendorOrClass("class", deviceClass);
    checkDeviceName(name);
    return new DeviceName(vendor, deviceClass, name);
  }

  /** The kind of a spec file, {@code vendor/class}. */
  static String[] parseKind(String kind) {
    int slash = kind.indexOf('/');
    if (slash <= 0 || slash == kind.length() - 1) {
      throw new IllegalArgumentException("kind " + quoted(kind) + " is not vendor/class");
    }
    String vendor = kind.substring(0, slash);
    String deviceClass = kind.substring(slash + 1);
    checkVendorOrClass("vendor", vendor);
    checkVendorOrClass("class", deviceClass);
    return new String[] {vendor, deviceClass};
  }

  static void checkVendorOrClass(String what, String s) {
    if (!isLetter(s.charAt(0))) {
      throw new IllegalArgumentException(what + " " + quoted(s) + " must start with a letter");
    }
    checkMiddleAndEnd(what, s, "_-.");
  }

  static void checkDeviceName(String s) {
    if (s.isEmpty()) {
      throw new IllegalArgumentException("device name is empty");
    }
    if (!isAlphanumeric(s.charAt(0))) {
      throw new IllegalArgumentException("device name " + quoted(s) + " must start with a letter or digit");
    }
    checkMiddleAndEnd("device name", s, "_-.:");
  }

  private static void checkMiddleAndEnd(String what, String s, String allowed) {
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (!isAlphanumeric(c) && allowed.indexOf(c) < 0) {
        throw new IllegalArgumentException(what + " " + quoted(s) + " has an invalid character '" + c + "'");
      }
    }
    if (!isAlphanumeric(s.charAt(s.length() - 1))) {
      throw new IllegalArgumentException(what + " " + quoted(s) + " must end with a letter or digit");
    }
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isAlphanumeric(char c) {
    return isLetter(c) || (c >= '0' && c <= '9');
  }

  private static String quoted(String s) {
    return dev.podshim.errors.Inputs.quoted(s);
  }
}
