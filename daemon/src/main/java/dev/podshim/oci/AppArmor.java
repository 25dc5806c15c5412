package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AppArmor as podshim uses it on this node: whether it is on, the default profile podshim loads
 * for RuntimeDefault, and which profiles are loaded now.
 *
 * <p>The default profile is loaded at start, as CRI-O does, and again before a container needs
 * it when someone unloaded it since (containerd checks at each container). A profile whose
 * text podshim loaded before (the stamp file holds the text's hash) is not compiled again:
 * apparmor_parser is the slow part of a start.
 */
public final class AppArmor {
  private static final Logger LOG = LoggerFactory.getLogger(AppArmor.class);
  /** The name RuntimeDefault maps to; containerd's is cri-containerd.apparmor.d, CRI-O's crio-default. */
  public static final String DEFAULT_PROFILE = "podshim-default";

  private final AppArmorHost host;
  private final boolean enabled;
  private final String defaultText;
  private final Path stamp;

  private AppArmor(AppArmorHost host, boolean enabled, String defaultText, Path stamp) {
    this.host = requireNonNull(host, "host");
    this.enabled = enabled;
    this.defaultText = requireNonNull(defaultText, "defaultText");
    this.stamp = requireNonNull(stamp, "stamp");
  }

  /**
   * Reads the node and, where AppArmor is available, makes sure the default profile is loaded.
   *
   * @param stateDir where the hash of the loaded default profile's text is kept
   * @throws IOException when AppArmor is on but the default profile cannot be loaded: containers
   *     would otherwise run unconfined where RuntimeDefault asks for confinement
   */
  public static AppArmor start(AppArmorHost host, Path stateDir) throws IOException {
    if (!host.available()) {
      LOG.atInfo().log("apparmor is not available on this node: no default profile");
      return new AppArmor(host, false, "", stateDir.resolve(DEFAULT_PROFILE + ".sha256"));
    }
    String text = DefaultAppArmorProfile.forHost(DEFAULT_PROFILE, host).text();
    AppArmor aa = new AppArmor(host, true, text, stateDir.resolve(DEFAULT_PROFILE + ".sha256"));
    aa.loadDefaultUnlessCurrent();
    return aa;
  }

  public boolean enabled() {
    return enabled;
  }

  /** The default profile's name, loaded again first if it is no longer loaded. */
  public String defaultProfile() {
    try {
      ensureDefaultLoaded();
    } catch (IOException e) {
      throw CriException.internal("load apparmor profile " + DEFAULT_PROFILE + ": " + e.getMessage(), e);
    }
    return DEFAULT_PROFILE;
  }

  /** Whether the kernel holds a profile of this name now. */
  public boolean loaded(String name) {
    try {
      return host.loadedProfiles().contains(name);
    } catch (IOException e) {
      throw CriException.internal("read the loaded apparmor profiles: " + e.getMessage(), e);
    }
  }

  /** At start: loads the default profile unless this very text is loaded already. */
  private synchronized void loadDefaultUnlessCurrent() throws IOException {
    String hash = sha256(defaultText);
    boolean loaded = host.loadedProfiles().contains(DEFAULT_PROFILE);
    if (loaded && hash.equals(readStamp())) {
      LOG.atInfo().addKeyValue("profile", DEFAULT_PROFILE).log("apparmor profile already loaded, same text");
      return;
    }
    load(loaded);
    Files.createDirectories(stamp.getParent());
    Files.writeString(stamp, hash + "\n");
  }

  /** Later: loads it again only when it was unloaded (aa-teardown, a policy reload that drops it). */
  private synchronized void ensureDefaultLoaded() throws IOException {
    if (!host.loadedProfiles().contains(DEFAULT_PROFILE)) {
      load(false);
    }
  }

  private void load(boolean replacing) throws IOException {
    long begin = System.nanoTime();
    String output = host.load(defaultText);
    LOG.atInfo().addKeyValue("profile", DEFAULT_PROFILE).addKeyValue("replaced", replacing)
        .addKeyValue("duration_ms", (System.nanoTime() - begin) / 1_000_000)
        .addKeyValue("parser_output", output).log("apparmor profile loaded");
  }

  private String readStamp() {
    try {
      return Files.readString(stamp).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
