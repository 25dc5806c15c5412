package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADD/DEL with Debian's real bridge, host-local and portmap plugins, in namespaces made here. */
class PodNetworkIntegrationTest {
  @TempDir Path tmp;
  NetFixture net;

  @BeforeEach
  void setUp() {
    net = NetFixture.create(tmp);
    net.writeConfig(net.conflist());
  }

  @AfterEach
  void tearDown() {
    net.close();
  }

  @Test
  void addGivesTheNamespaceEth0WithAnIpOnTheSubnet() {
    PodNetwork network = net.network();
    Path ns = net.netns();

    PodNetwork.Attachment a = net.attach(network, net.request(ns));

    assertThat(a.ips()).hasSize(1);
    String ip = a.ips().getFirst();
    assertThat(ip).startsWith(net.subnetPrefix);
    assertThat(a.networkName()).isEqualTo(net.name);
    assertThat(a.cniVersion()).isEqualTo("1.0.0");
    assertThat(a.ifName()).isEqualTo("eth0");
    assertThat(a.netnsPath()).isEqualTo(ns.toString());
    assertThat(Host.ok("nsenter", "--net=" + ns, "ip", "-o", "-4", "addr", "show", "dev", "eth0")).contains(ip + "/24");
    assertThat(net.allocatedIps()).containsExactly(ip);
    assertThat(net.hostVeths()).hasSize(1);
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isEqualTo(1.0);
    assertThat(net.registry.get("podshim.cni.operation.duration").tag("operation", "ADD").tag("plugin", "bridge")
        .timer().count()).isEqualTo(1);
    network.check(a);
  }

  @Test
  void aBridgeLeftOnAnEarlierDefaultSubnetIsNamedWithWhatToDo() {
    // podshim's own network (its name), on this test's bridge: first on one subnet...
    net.writeConfig(DefaultNetwork.conflist(DefaultNetwork.NAME, net.bridge, net.subnet, net.dataDir));
    PodNetwork network = net.network();
    network.detach(net.attach(network, net.request(net.netns())));
    // ...then on another, as after a change of cni_default_subnet; the bridge keeps the old gateway
    net.writeConfig(DefaultNetwork.conflist(DefaultNetwork.NAME, net.bridge, "10.176." + net.subnet.split("\\.")[2] + ".0/24",
        net.dataDir));

    assertThatThrownBy(() -> network.attach(net.request(net.netns())))
        .hasMessageContaining("already has an IP address different from")
        .hasMessageContaining("ip link del " + net.bridge);
    assertThat(net.allocatedIps()).isEmpty();
  }

  @Test
  void twoPodsReachEachOther() {
    PodNetwork network = net.network();
    Path nsA = net.netns();
    Path nsB = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(nsA));
    PodNetwork.Attachment b = net.attach(network, net.request(nsB));

    assertThat(a.ips().getFirst()).isNotEqualTo(b.ips().getFirst());
    Host.ok("nsenter", "--net=" + nsA, "busybox", "ping", "-c1", "-W2", b.ips().getFirst());
    Host.ok("nsenter", "--net=" + nsB, "busybox", "ping", "-c1", "-W2", a.ips().getFirst());
  }

  @Test
  void hostPortAnswersOnTheHost() throws Exception {
    PodNetwork network = net.network();
    Path ns = net.netns();
    int hostPort = freePort();
    PodNetwork.Attachment a = net.attach(network, net.request(ns,
        List.of(new PodNetwork.PortMapping("TCP", 8080, hostPort, "")), Map.of()));
    assertThat(a.runtimeConfigJson()).contains("\"protocol\":\"tcp\"").contains("\"hostPort\":" + hostPort);
    Path www = Files.createDirectories(tmp.resolve("www"));
    Files.writeString(www.resolve("index.html"), "hello from " + net.name);
    Process httpd = Host.start("nsenter", "--net=" + ns, "busybox", "httpd", "-f", "-p", "0.0.0.0:8080", "-h", www.toString());
    try {
      // the pod's own address first, so that a failure below is about the port mapping
      assertThat(httpGet(a.ips().getFirst(), 8080)).contains("hello from " + net.name);
      assertThat(httpGet(net.subnetPrefix + "1", hostPort)).contains("hello from " + net.name);
      // 127.0.0.1 works because portmap sets route_localnet on the bridge and masquerades 127/8
      assertThat(httpGet("127.0.0.1", hostPort)).contains("hello from " + net.name);
      assertThat(net.natRules()).anyMatch(r -> r.startsWith("-A CNI-HOSTPORT-DNAT") && r.contains(" " + hostPort + " "));
    } finally {
      httpd.destroyForcibly().waitFor();
    }
    net.detach(network, a);
    assertThat(net.natRules()).isEmpty();
  }

  @Test
  void delReleasesTheIpAndVethAndCanRunTwice() {
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(ns));
    String veth = net.hostVeths().getFirst();

    network.detach(a);

    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.linkExists(veth)).isFalse();
    assertThat(Host.run("nsenter", "--net=" + ns, "ip", "link", "show", "eth0").status()).isNotZero();
    assertThat(net.natRules()).isEmpty();
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isZero();

    net.detach(network, a);
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isZero();
  }

  @Test
  void delAfterTheNamespaceIsGoneStillReleasesTheIp() throws IOException {
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(ns, List.of(new PodNetwork.PortMapping("TCP", 80, freePort(), "")), Map.of()));
    net.deleteNetns(ns);

    net.detach(network, a);

    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.hostVeths()).isEmpty();
    assertThat(net.natRules()).noneMatch(r -> r.contains("dnat") || r.contains("CNI-HOSTPORT") || r.contains("CNI-DN-"));
    // the bridge plugin cannot tell which masquerade rule was the pod's without its namespace;
    // NetFixture sweeps it. The sandbox keeps the namespace pinned until DEL succeeded for this reason.
  }

  @Test
  void delOfAnUnmountedPinStillReleasesTheIp() throws IOException {
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(ns));
    Host.ok("umount", ns.toString()); // the pin file stays, an empty file, as after a reboot

    net.detach(network, a);

    assertThat(net.allocatedIps()).isEmpty();
    Files.deleteIfExists(ns);
  }

  @Test
  void delUsesTheCachedConfigAfterTheConfigIsGone() throws IOException {
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(ns, List.of(new PodNetwork.PortMapping("UDP", 53, freePort(), "")), Map.of()));
    assertThat(net.natRules()).isNotEmpty();
    try (var files = Files.list(net.confDir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    assertThat(network.readiness().ready()).isFalse();

    net.detach(network, a);

    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.hostVeths()).isEmpty();
    assertThat(net.natRules()).isEmpty();
  }

  @Test
  void anAttachmentThatWasNeverRecordedCanStillBeTornDown() throws IOException {
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.AttachRequest request = net.request(ns, List.of(new PodNetwork.PortMapping("TCP", 80, freePort(), "")), Map.of());
    network.attach(request); // the daemon "dies" before persisting the attachment

    network.detachUnrecorded(request);
    network.detachUnrecorded(request);

    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.hostVeths()).isEmpty();
    assertThat(net.natRules()).isEmpty();
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isZero();
  }

  @Test
  void aFailingPluginLeavesNothingBehind() throws IOException {
    net.plugin("boom", """
        cat > /dev/null
        if [ "$CNI_COMMAND" = ADD ]; then
          echo '{"cniVersion":"1.0.0","code":7,"msg":"boom","details":"x"}'
          echo 'boom on stderr' >&2
          exit 1
        fi""");
    net.writeConfig(net.conflistWith("{\"type\":\"boom\"}"));
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.AttachRequest request = net.request(ns, List.of(new PodNetwork.PortMapping("TCP", 80, freePort(), "")), Map.of());

    assertThatThrownBy(() -> network.attach(request))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL);
          assertThat(e.getMessage())
              .contains("attach sandbox " + request.sandboxId() + " to network " + net.name)
              .contains("cni plugin boom ADD failed (code 7): boom: x")
              .contains("boom on stderr");
        });

    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.hostVeths()).isEmpty();
    assertThat(net.natRules()).isEmpty();
    assertThat(Host.run("nsenter", "--net=" + ns, "ip", "link", "show", "eth0").status()).isNotZero();
    assertThat(net.registry.get("podshim.cni.operation.errors").tag("operation", "ADD").tag("plugin", "boom")
        .counter().count()).isEqualTo(1);
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isZero();
  }

  @Test
  void aHangingPluginIsKilledAndTheAddUndone() throws Exception {
    Path pidFile = tmp.resolve("hang.pid");
    net.plugin("hang", """
        cat > /dev/null
        if [ "$CNI_COMMAND" = ADD ]; then
          echo $$ > %s
          exec sleep 1000
        fi""".formatted(pidFile));
    net.writeConfig(net.conflistWith("{\"type\":\"hang\"}"));
    PodNetwork network = net.network(List.of(net.binDir, NetFixture.DEBIAN_PLUGINS), 1);
    Path ns = net.netns();

    long start = System.nanoTime();
    assertThatThrownBy(() -> network.attach(net.request(ns)))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.DEADLINE_EXCEEDED);
          assertThat(e.getMessage()).contains("cni plugin hang ADD timed out after 1s and was killed");
        });
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(8);

    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(Host.exitedWithin(pid, java.time.Duration.ofSeconds(2))).as("plugin pid %s still running", pid).isTrue();
    assertThat(net.allocatedIps()).isEmpty();
    assertThat(net.hostVeths()).isEmpty();
  }

  @Test
  void aFailingDelIsRetriedThenReportedWithEveryAttempt() {
    Path attempts = tmp.resolve("del-attempts");
    // passes ADD through (a chained plugin returns its prevResult); fails DEL until told not to
    net.plugin("flaky", """
        input=$(cat)
        if [ "$CNI_COMMAND" = DEL ] && [ ! -e %s.ok ]; then
          echo x >> %s
          echo '{"cniVersion":"1.0.0","code":11,"msg":"busy","details":"try later"}'
          exit 1
        fi
        if [ "$CNI_COMMAND" = ADD ]; then
          printf '%%s' "$input" | busybox sed -n 's/.*"prevResult":\\({.*}\\)}$/\\1/p'
        fi""".formatted(attempts, attempts));
    net.writeConfig(net.conflistWith("{\"type\":\"flaky\"}"));
    PodNetwork network = net.network();
    PodNetwork.Attachment a = net.attach(network, net.request(net.netns()));

    long start = System.nanoTime();
    assertThatThrownBy(() -> network.detach(a))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.getMessage())
            .contains("detach sandbox " + a.sandboxId())
            .contains("cni DEL failed 3 times")
            .contains("attempt 1: cni plugin flaky DEL failed (code 11): busy: try later")
            .contains("attempt 2: ")
            .contains("attempt 3: "));
    assertThat((System.nanoTime() - start) / 1e6).isGreaterThanOrEqualTo(500);
    // the chain halted at the failing plugin: the IP stays until DEL gets through
    assertThat(net.allocatedIps()).hasSize(1);
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isEqualTo(1.0);

    Host.ok("touch", attempts + ".ok");
    net.detach(network, a);
    assertThat(net.allocatedIps()).isEmpty();
  }

  @Test
  void bandwidthAnnotationsReachTheBandwidthPlugin() {
    net.writeConfig(net.conflistWith("{\"type\":\"bandwidth\",\"capabilities\":{\"bandwidth\":true}}"));
    PodNetwork network = net.network();
    Path ns = net.netns();
    PodNetwork.Attachment a = net.attach(network, net.request(ns, List.of(),
        Map.of("kubernetes.io/ingress-bandwidth", "10M", "kubernetes.io/egress-bandwidth", "1Mi")));

    assertThat(a.runtimeConfigJson()).contains("\"ingressRate\":10000000").contains("\"egressRate\":1048576");
    String veth = net.hostVeths().getFirst();
    assertThat(Host.ok("tc", "qdisc", "show", "dev", veth)).contains("tbf");
    net.detach(network, a);
    assertThat(net.allocatedIps()).isEmpty();
  }

  @Test
  void addAndDelTimingsWithTheDefaultBridgeNetwork() {
    PodNetwork network = net.network();
    Path ns = net.netns();
    List<Double> adds = new ArrayList<>();
    List<Double> dels = new ArrayList<>();
    for (int i = 0; i < 21; i++) {
      long t0 = System.nanoTime();
      PodNetwork.Attachment a = net.attach(network, net.request(ns));
      long t1 = System.nanoTime();
      net.detach(network, a);
      long t2 = System.nanoTime();
      if (i > 0) { // the first creates the bridge
        adds.add((t1 - t0) / 1e6);
        dels.add((t2 - t1) / 1e6);
      }
    }
    Collections.sort(adds);
    Collections.sort(dels);
    System.out.printf("cni timings over %d runs (bridge+host-local+portmap): ADD median %.1f ms (min %.1f, max %.1f);"
            + " DEL median %.1f ms (min %.1f, max %.1f)%n", adds.size(), adds.get(adds.size() / 2), adds.getFirst(),
        adds.getLast(), dels.get(dels.size() / 2), dels.getFirst(), dels.getLast());
    net.registry.find("podshim.cni.operation.duration").timers().forEach(t -> System.out.printf(
        "  %s %s: mean %.1f ms over %d%n", t.getId().getTag("operation"), t.getId().getTag("plugin"),
        t.mean(java.util.concurrent.TimeUnit.MILLISECONDS), t.count()));
    assertThat(net.allocatedIps()).isEmpty();
  }

  @Test
  void hundredCyclesLeakNothing() {
    PodNetwork network = net.network();
    Path ns = net.netns();
    net.detach(network, net.attach(network, net.request(ns))); // bridge exists from here on
    List<String> veths = net.hostVeths();
    List<String> rules = net.natRules();
    List<String> ips = net.allocatedIps();
    List<String> namespaces = net.namespacesLeft();

    for (int i = 0; i < 100; i++) {
      Path cycleNs = i % 10 == 0 ? net.netns() : ns;
      PodNetwork.Attachment a = net.attach(network, net.request(cycleNs,
          List.of(new PodNetwork.PortMapping("TCP", 80, 20000 + i, "")), Map.of()));
      net.detach(network, a);
      if (cycleNs != ns) {
        net.deleteNetns(cycleNs);
      }
    }

    assertThat(net.hostVeths()).isEqualTo(veths).isEmpty();
    assertThat(net.natRules()).isEqualTo(rules).isEmpty();
    assertThat(net.allocatedIps()).isEqualTo(ips).isEmpty();
    assertThat(net.namespacesLeft()).isEqualTo(namespaces);
    assertThat(net.registry.get("podshim.pod.ips").gauge().value()).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** GET / from host:port, retrying while the server inside the namespace starts. */
  private static String httpGet(String host, int port) throws Exception {
    Exception last = null;
    for (int i = 0; i < 50; i++) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 1000);
        s.setSoTimeout(3000);
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new AssertionError("no answer from " + host + ":" + port, last);
  }
}
