package dev.podshim.network;

import dev.podshim.config.CniConfig;
import dev.podshim.config.DaemonConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * One test's private slice of the host: a bridge {@code pst<hex>}, a network of the same name on
 * a free 10.177.N.0/24, host-local data and configs in the test's temp dir, and the network
 * namespaces it made. {@link #close} removes all of it, also after a failed test: attachments the
 * test left are detached, namespaces and the bridge deleted, and NAT rules naming the network
 * (a bridge plugin cannot remove its masquerade rule once the namespace is gone) swept.
 */
final class NetFixture implements AutoCloseable {
  static final Path DEBIAN_PLUGINS = Path.of("/usr/lib/cni");
  private static final Set<String> SHARED_CHAINS =
      Set.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SNAT", "POSTROUTING",
          "PREROUTING", "OUTPUT", "INPUT");

  final String suffix;
  final String bridge;
  final String name;
  final String subnetPrefix;
  final String subnet;
  final Path dir;
  final Path confDir;
  final Path root;
  final Path dataDir;
  final Path binDir;
  final MeterRegistry registry = new SimpleMeterRegistry();
  private final List<String> namespaces = new ArrayList<>();
  private final List<PodNetwork> networks = new ArrayList<>();
  private final List<PodNetwork.Attachment> attachments = new ArrayList<>();
  private int sandboxes;

  private NetFixture(Path dir) {
    this.suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    this.bridge = "pst" + suffix;
    this.name = "pst-" + suffix;
    this.subnetPrefix = "10.177." + freeThirdOctet() + ".";
    this.subnet = subnetPrefix + "0/24";
    this.dir = dir;
    this.confDir = dir.resolve("net.d");
    this.root = dir.resolve("root");
    this.dataDir = dir.resolve("ipam");
    this.binDir = dir.resolve("bin");
  }

  static NetFixture create(Path tempDir) {
    Host.requireRootAndTools();
    return new NetFixture(tempDir);
  }

  /** podshim's default network shape, under this test's name, bridge and subnet. */
  String conflist() {
    return DefaultNetwork.conflist(name, bridge, subnet, dataDir);
  }

  /** Same network with extra plugins appended to the chain. */
  String conflistWith(String... extraPluginJson) {
    String base = conflist().strip();
    int end = base.lastIndexOf(']');
    return base.substring(0, end) + (extraPluginJson.length == 0 ? "" : "," + String.join(",", extraPluginJson))
        + base.substring(end);
  }

  NetFixture writeConfig(String json) {
    write(confDir.resolve("10-test.conflist"), json);
    return this;
  }

  DaemonConfig config(List<Path> binDirs, int timeoutSeconds, boolean writeDefault) {
    DaemonConfig d = DaemonConfig.defaults();
    return new DaemonConfig(d.socket(), root, d.metricsAddress(), d.logLevel(), d.cgroupDriver(), d.ociRuntime(),
        d.stopTimeoutSeconds(), new CniConfig(confDir, binDirs, writeDefault, subnet, timeoutSeconds), d.registry());
  }

  PodNetwork network() {
    return network(List.of(binDir, DEBIAN_PLUGINS), 10);
  }

  PodNetwork network(List<Path> binDirs, int timeoutSeconds) {
    PodNetwork network = PodNetwork.create(config(binDirs, timeoutSeconds, false), registry);
    networks.add(network);
    return network;
  }

  /** A plugin script in this test's bin dir, which {@link #network()} searches first. */
  Path plugin(String type, String script) {
    Path file = binDir.resolve(type);
    write(file, "#!/bin/sh\n" + script + "\n");
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /** A fresh network namespace with lo up, as pause leaves it. */
  Path netns() {
    String ns = "pst" + suffix + "-" + namespaces.size();
    Host.ok("ip", "netns", "add", ns);
    namespaces.add(ns);
    Host.ok("ip", "-n", ns, "link", "set", "lo", "up");
    return Path.of("/run/netns", ns);
  }

  void deleteNetns(Path netns) {
    Host.run("ip", "netns", "del", netns.getFileName().toString());
  }

  PodNetwork.AttachRequest request(Path netns, List<PodNetwork.PortMapping> ports, Map<String, String> annotations) {
    String id = name.replace("-", "") + "sandbox" + (sandboxes++);
    return new PodNetwork.AttachRequest(id, netns, "pod" + sandboxes, "ns-" + suffix, "uid-" + suffix + "-" + sandboxes,
        ports, annotations, null);
  }

  PodNetwork.AttachRequest request(Path netns) {
    return request(netns, List.of(), Map.of());
  }

  /** Attaches and remembers the attachment, so that a failing test still detaches it. */
  PodNetwork.Attachment attach(PodNetwork network, PodNetwork.AttachRequest request) {
    PodNetwork.Attachment a = network.attach(request);
    attachments.add(a);
    return a;
  }

  void detach(PodNetwork network, PodNetwork.Attachment a) {
    network.detach(a);
    attachments.remove(a);
  }

  /** IPs host-local holds for this network (its reservation files, minus lock and cursor). */
  List<String> allocatedIps() {
    Path dir = dataDir.resolve(name);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString())
          .filter(f -> !f.equals("lock") && !f.startsWith("last_reserved_ip")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Interfaces enslaved to this test's bridge: the host ends of pod veths. */
  List<String> hostVeths() {
    Host.Result r = Host.run("ip", "-o", "link", "show", "master", bridge);
    if (r.status() != 0) {
      return List.of(); // no bridge, no veths
    }
    return r.out().lines().map(l -> l.split(":")[1].trim().split("@")[0]).toList();
  }

  boolean linkExists(String link) {
    return Host.run("ip", "link", "show", link).status() == 0;
  }

  /** NAT rules naming this network (bridge masquerade, portmap DNAT/SNAT), as iptables-save prints them. */
  List<String> natRules() {
    return Host.ok("iptables-save", "-t", "nat").lines().filter(l -> l.contains(name)).toList();
  }

  List<String> namespacesLeft() {
    return Host.ok("ip", "netns", "list").lines().filter(l -> l.startsWith("pst" + suffix)).toList();
  }

  @Override
  public void close() {
    for (PodNetwork.Attachment a : List.copyOf(attachments)) {
      try {
        networks.getFirst().detach(a);
      } catch (RuntimeException e) {
        System.err.println("cleanup: detach " + a.sandboxId() + ": " + e.getMessage());
      }
    }
    for (String ns : namespaces) {
      Host.run("ip", "netns", "del", ns);
    }
    sweepNatRules();
    Host.run("ip", "link", "del", bridge);
    networks.forEach(PodNetwork::close);
  }

  private void sweepNatRules() {
    List<String> rules = natRules();
    if (rules.isEmpty()) {
      return;
    }
    StringBuilder restore = new StringBuilder("*nat\n");
    Set<String> chains = new java.util.LinkedHashSet<>();
    for (String rule : rules) {
      restore.append(rule.replaceFirst("^-A ", "-D ")).append('\n');
      String[] words = rule.split(" ");
      for (int i = 0; i + 1 < words.length; i++) {
        if (words[i].equals("-j") && words[i + 1].startsWith("CNI-") && !SHARED_CHAINS.contains(words[i + 1])) {
          chains.add(words[i + 1]);
        }
      }
    }
    chains.forEach(c -> restore.append("-F ").append(c).append('\n'));
    chains.forEach(c -> restore.append("-X ").append(c).append('\n'));
    restore.append("COMMIT\n");
    Path file = dir.resolve("sweep.rules");
    write(file, restore.toString());
    Host.Result r = Host.run("iptables-restore", "--noflush", file.toString());
    if (r.status() != 0) {
      System.err.println("cleanup: iptables-restore: " + r.err());
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freeThirdOctet() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int n = ThreadLocalRandom.current().nextInt(256);
      String net = "10.177." + n + ".0/24";
      if (Host.ok("ip", "-4", "route", "show", "to", "match", net).lines().noneMatch(l -> l.contains("10.177."))
          && Host.ok("ip", "-4", "addr", "show", "to", net).isBlank()) {
        return n;
      }
    }
    throw new AssertionError("no free 10.177.N.0/24 on this host");
  }
}
