package dev.podshim.oci;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The AppArmor profile names a client may ask for. The name goes to runc, which writes
 * {@code "exec <name>"} to the kernel, and is compared with the kernel's list of loaded profiles:
 * so no white space or control character (that list separates fields with spaces), no
 * {@code ..} (a name is not a path, and must not look like one to whoever reads it as one), none
 * of the characters of AppArmor's own syntax, and no {@code -} first (an option to the tools).
 */
public final class AppArmorProfileName {
  /** Room for any real profile name; k8s allows 4095, but profile names are file-name sized. */
  static final int MAX_BYTES = 255;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_/][A-Za-z0-9_/.:+@~=-]*");

  private AppArmorProfileName() {}

  /** {@code name} when it is one podshim passes on; INVALID_ARGUMENT naming {@code field} otherwise. */
  public static String check(String field, String name) {
    if (name.isEmpty()) {
      throw CriException.invalidArgument(field + ": must name an apparmor profile");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw CriException.invalidArgument(field + ": apparmor profile name " + Inputs.quoted(name)
          + " is longer than " + MAX_BYTES + " bytes");
    }
    if (!NAME.matcher(name).matches() || name.contains("..")) {
      throw CriException.invalidArgument(field + ": " + Inputs.quoted(name) + " is not an apparmor profile name"
          + " podshim accepts (letters, digits and _/.:+@~=-, not starting with - or ., no ..)");
    }
    return name;
  }
}
