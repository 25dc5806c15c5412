package dev.podshim.e2e.vm;

import dev.podshim.e2e.Podshimd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything that decides what the VM image holds and how it boots. Its {@link #key()} names the
 * cache entry: change any of it (a package, a hook script, a kernel argument) and the next run
 * builds a new image instead of reusing a stale one.
 *
 * @param suite Debian release of the guest
 * @param mirror where mmdebstrap fetches it from
 * @param packages installed on top of minbase
 * @param kernelArgs the guest kernel's command line
 * @param memoryMib guest memory; part of the saved state, so part of the key
 * @param cpus guest CPUs; likewise
 * @param hooks mmdebstrap hook scripts by name ({@code setup.sh}, {@code customize.sh}) and text
 */
public record VmRecipe(String suite, String mirror, List<String> packages, List<String> kernelArgs, int memoryMib,
    int cpus, Map<String, String> hooks) {

  /** Bump when the builder's own steps change in a way the fields above do not show. */
  private static final int LAYOUT = 1;

  /** What a node runs, per issue 19, and what the package needs. */
  private static final List<String> NODE_PACKAGES = List.of(
      "systemd", "systemd-sysv", "udev", "dbus", "linux-image-amd64", "initramfs-tools", "openssh-server",
      "iproute2", "iptables", "apparmor", "runc", "crun", "conmon", "containernetworking-plugins",
      "ca-certificates", "procps");

  /** Debian 13 with systemd as PID 1, the unified cgroup hierarchy and AppArmor, as nodes run today. */
  public static VmRecipe trixieNode() throws IOException {
    TreeSet<String> packages = new TreeSet<>(NODE_PACKAGES);
    packages.addAll(PackageDepends.of(Podshimd.PROJECT.resolve("packaging/src/deb/control/control")));
    Map<String, String> hooks = new LinkedHashMap<>();
    for (String name : List.of("setup.sh", "customize.sh")) {
      hooks.put(name, resource(name));
    }
    return new VmRecipe("trixie", "http://deb.debian.org/debian", List.copyOf(packages),
        List.of("root=/dev/vda", "rw", "console=ttyS0", "systemd.unified_cgroup_hierarchy=1", "apparmor=1",
            "security=apparmor"),
        2048, 2, Map.copyOf(hooks));
  }

  /** The image's cache key: a hash of this recipe. */
  public String key() {
    List<String> parts = new ArrayList<>(List.of("layout " + LAYOUT, suite, mirror, String.join(",", packages),
        String.join(" ", kernelArgs), memoryMib + "M", cpus + " cpus"));
    hooks.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> parts.add(e.getKey() + "\n" + e.getValue()));
    return sha256(String.join("\n\0", parts)).substring(0, 16);
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = VmRecipe.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource dev/podshim/e2e/vm/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
