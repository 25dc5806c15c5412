package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.oci.AppArmor;
import dev.podshim.oci.AppArmorProfileName;
import dev.podshim.store.ContainerConfig.Profile;
import org.jspecify.annotations.Nullable;

/**
 * The spec's {@code process.apparmorProfile}, chosen as containerd and CRI-O choose it: the
 * default profile for RuntimeDefault and for no profile at all, except for a privileged container;
 * a Localhost profile only when the kernel holds it, so a typo is INVALID_ARGUMENT at create and
 * not a start that fails inside runc; Unconfined is none. Without AppArmor nothing is applied,
 * and a Localhost profile, which cannot be honoured, is refused.
 */
final class SpecAppArmor {
  static final String FIELD = SECURITY + ".apparmor";
  private static final String LOCALHOST_PREFIX = "localhost/";

  private SpecAppArmor() {}

  /** Null for none. */
  static @Nullable String profile(@Nullable Profile requested, boolean privileged, AppArmor apparmor) {
    if (requested == null) {
      return apparmor.enabled() && !privileged ? apparmor.defaultProfile() : null;
    }
    return switch (requested.type()) {
      case UNCONFINED -> null;
      case RUNTIME_DEFAULT -> apparmor.enabled() && !privileged ? apparmor.defaultProfile() : null;
      case LOCALHOST -> localhost(requested.localhostRef(), apparmor);
    };
  }

  private static String localhost(String ref, AppArmor apparmor) {
    // kubelet sends the bare name in the structured field, "localhost/<name>" in the old one
    String name = AppArmorProfileName.check(FIELD + ".localhost_ref",
        ref.startsWith(LOCALHOST_PREFIX) ? ref.substring(LOCALHOST_PREFIX.length()) : ref);
    if (!apparmor.enabled()) {
      throw invalid(FIELD, "apparmor is not enabled on this host, cannot apply profile " + quoted(name));
    }
    if (!apparmor.loaded(name)) {
      throw invalid(FIELD, "apparmor profile " + quoted(name) + " is not loaded");
    }
    return name;
  }
}
