package dev.podshim.oci;

import java.io.IOException;
import java.util.Set;

/**
 * What podshim asks of the node's AppArmor: the kernel's switch, the loaded profiles, the parser.
 * The one boundary that unit tests replace; {@link KernelAppArmor} is the real one.
 */
public interface AppArmorHost {
  /**
   * Whether profiles can be applied and loaded here: the module is enabled, its securityfs is
   * mounted and apparmor_parser is installed (containerd and CRI-O ask the same).
   */
  boolean available();

  /** The names of the profiles the kernel holds now, in any mode. */
  Set<String> loadedProfiles() throws IOException;

  /** podshimd's own label ("unconfined" when it runs unconfined). */
  String ownLabel();

  /** Whether {@code /etc/apparmor.d/<relative>} exists, for the includes a profile may use. */
  boolean hasPolicyFile(String relative);

  /**
   * Loads {@code profile}, replacing a loaded profile of the same name.
   *
   * @return what the parser printed (its warnings), empty when nothing
   */
  String load(String profile) throws IOException;
}
