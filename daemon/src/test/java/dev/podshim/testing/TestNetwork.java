package dev.podshim.testing;

import dev.podshim.config.CniConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bridge network of the test's own: unique bridge name and subnet, IPAM data under the test's
 * root, no masquerading (nothing to leak in iptables), so tests never touch podshim0 or a real
 * daemon's addresses. {@link #close} deletes the bridge.
 */
public final class TestNetwork implements AutoCloseable {
  public final String bridge;
  public final String subnet;
  public final Path confDir;
  public final Path ipamDir;
  /** Searched before the system plugin dirs: tests put broken plugins here. */
  public final Path binDir;

  public TestNetwork(Path root) throws IOException {
    this(root, false);
  }

  /**
   * The network of {@code root}, made on first use and the same for every later daemon on that
   * root (a restarted daemon must find the network its pods are on).
   *
   * @param masquerade as podshim's default network does (the benchmark wants its cost)
   */
  public TestNetwork(Path root, boolean masquerade) throws IOException {
    this.confDir = root.resolve("test-cni/net.d");
    this.ipamDir = root.resolve("test-cni/ipam");
    this.binDir = root.resolve("test-cni/bin");
    Path file = confDir.resolve("10-test.conflist");
    if (Files.exists(file)) {
      String json = Files.readString(file);
      this.bridge = json.replaceAll("(?s).*\"bridge\": \"([^\"]+)\".*", "$1");
      this.subnet = json.replaceAll("(?s).*\"subnet\": \"([^\"]+)\".*", "$1");
      return;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    this.bridge = "pst" + Integer.toHexString(random.nextInt(0x100000, 0xffffff));
    this.subnet = "10." + random.nextInt(180, 190) + "." + random.nextInt(0, 256) + ".0/24";
    Files.createDirectories(confDir);
    Files.writeString(file, """
        {"cniVersion": "1.0.0", "name": "podshim-test",
         "plugins": [
          {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": %s, "hairpinMode": true,
           "ipam": {"type": "host-local", "ranges": [[{"subnet": "%s"}]], "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": "%s"}},
          {"type": "portmap", "capabilities": {"portMappings": true}}]}
        """.formatted(bridge, masquerade, subnet, ipamDir));
  }

  public CniConfig cniConfig() {
    return new CniConfig(confDir, List.of(binDir, Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), false,
        "10.88.0.0/16", 5);
  }

  /** Flags for a daemon process to use this network. */
  public List<String> flags() {
    return List.of("--cni-conf-dir", confDir.toString(), "--cni-default-network", "false",
        "--cni-bin-dirs", binDir + ":/opt/cni/bin:/usr/lib/cni");
  }

  /** veth interfaces on the host attached to this bridge. */
  public List<String> veths() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "-o", "link", "show", "master", bridge).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out.lines().filter(l -> l.contains("veth")).toList();
  }

  /** IPs host-local still holds (its data dir has one file per allocated address). */
  public List<String> allocatedIps() throws IOException {
    Path dir = ipamDir.resolve("podshim-test");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.:a-f]+") && n.contains("."))
          .toList();
    }
  }

  @Override
  public void close() throws Exception {
    new ProcessBuilder("ip", "link", "del", bridge).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
  }
}
