package dev.podshim.testing;

import dev.podshim.oci.AppArmorHost;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's AppArmor in memory: loading a profile adds its name to the loaded ones. The real
 * counterpart, KernelAppArmor, runs in the Debian 13 VM (AppArmorOnModernNodeTest).
 */
public final class FakeAppArmorHost implements AppArmorHost {
  private static final Pattern PROFILE = Pattern.compile("(?m)^profile (\\S+) ");
  private final boolean available;
  private final Set<String> loaded;
  /** Every text loaded, in order. */
  public final List<String> loads = new ArrayList<>();
  public String ownLabel = "unconfined";
  public Set<String> policyFiles = Set.of("tunables/global", "abstractions/base");
  public String parserOutput = "";
  /** When set, what apparmor_parser fails with. */
  public @org.jspecify.annotations.Nullable String parserError;

  public FakeAppArmorHost(boolean available, Set<String> loaded) {
    this.available = available;
    this.loaded = new HashSet<>(loaded);
  }

  @Override
  public boolean available() {
    return available;
  }

  @Override
  public synchronized Set<String> loadedProfiles() {
    return Set.copyOf(loaded);
  }

  /** As aa-remove-unknown or aa-teardown would. */
  public synchronized void unload(String name) {
    loaded.remove(name);
  }

  @Override
  public String ownLabel() {
    return ownLabel;
  }

  @Override
  public boolean hasPolicyFile(String relative) {
    return policyFiles.contains(relative);
  }

  @Override
  public synchronized String load(String profile) throws IOException {
    if (parserError != null) {
      throw new IOException(parserError);
    }
    Matcher m = PROFILE.matcher(profile);
    if (!available || !m.find()) {
      throw new IOException("apparmor_parser exited 1: no profile");
    }
    loads.add(profile);
    loaded.add(m.group(1));
    return parserOutput;
  }
}
