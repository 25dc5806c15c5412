package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests rely on in a restored node: the node issue 19 asks for (systemd, cgroup v2,
 * AppArmor), the host's clock, files copied in whole, commands' exit codes and streams kept apart,
 * and a network that reaches the host's loopback ports it was given and nothing else.
 */
@ExtendWith(RequiresQemu.class)
class VmNodeTest {
  private static final Duration SLOW = Duration.ofMinutes(3);

  @Test
  void aRestoredNodeIsAModernNodeOnTheHostsClockThatReachesOnlyItsForwardedLoopbackPorts(@TempDir Path tmp)
      throws Exception {
    AtomicInteger forwardedHits = new AtomicInteger();
    AtomicInteger otherHits = new AtomicInteger();
    HttpServer forwarded = server(forwardedHits);
    HttpServer other = server(otherHits);
    Path file = tmp.resolve("payload");
    byte[] payload = new byte[3 << 20];
    new Random(19).nextBytes(payload);
    Files.write(file, payload);
    try (VmNode node = VmNode.restore(VmNodes.saved(), List.of(forwarded.getAddress().getPort()))) {
      long hostSeconds = System.currentTimeMillis() / 1000;
      String host = VmNode.HOST_ADDRESS;
      CommandResult facts = node.run(String.join("; ",
          "date +%s", "ps -p 1 -o comm=", "stat -fc %T /sys/fs/cgroup", "cat /sys/module/apparmor/parameters/enabled",
          "command -v apparmor_parser runc crun conmon | wc -l",
          get(host, forwarded.getAddress().getPort()), get(host, other.getAddress().getPort()), get("192.0.2.1", 80)),
          SLOW);
      List<String> lines = facts.stdout().lines().toList();
      assertThat(lines).as("%s", facts).hasSize(8);
      assertThat(Long.parseLong(lines.get(0))).as("guest clock").isBetween(hostSeconds - 30, hostSeconds + 30);
      assertThat(lines.subList(1, 5)).containsExactly("systemd", "cgroup2fs", "Y", "4");
      assertThat(lines.get(5)).startsWith("HTTP/1.1 200");
      assertThat(lines.get(6)).isEqualTo("no connection");
      assertThat(lines.get(7)).isEqualTo("no connection");
      assertThat(forwardedHits).hasValue(1);
      assertThat(otherHits).hasValue(0);

      node.copyIn(file, "/root/payload");
      CommandResult sum = node.run("sha256sum /root/payload", SLOW).orThrow();
      String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
      assertThat(sum.stdout()).startsWith(expected);

      CommandResult streams = node.run("echo out; echo err >&2; exit 3", SLOW);
      assertThat(streams.exitCode()).isEqualTo(3);
      assertThat(streams.stdout()).isEqualTo("out\n");
      assertThat(streams.stderr()).isEqualTo("err\n");
    } finally {
      forwarded.stop(0);
      other.stop(0);
    }
  }

  /** bash's /dev/tcp: the first line of an HTTP answer, or "no connection" (the guest has no curl). */
  private static String get(String address, int port) {
    return "(timeout 20 bash -c 'exec 3<>/dev/tcp/" + address + "/" + port
        + " && printf \"GET / HTTP/1.0\\r\\n\\r\\n\" >&3 && head -1 <&3 | tr -d \"\\r\"' 2>/dev/null || echo 'no connection')";
  }

  private static HttpServer server(AtomicInteger hits) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      byte[] body = "hello from the host\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }
}
