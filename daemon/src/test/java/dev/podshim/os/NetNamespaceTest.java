package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs as root: a real network namespace held by an unshared sleep. */
class NetNamespaceTest {
  private Process holder;
  private Path podNetns;

  @BeforeEach
  void newNetworkNamespace() throws IOException {
    Path unshare = TestSupport.requireTool("unshare", "util-linux");
    holder = new ProcessBuilder(unshare.toString(), "--net", "sleep", "1000").start();
    Path ns = Path.of("/proc", Long.toString(holder.pid()), "ns", "net");
    Path hostNs = Path.of("/proc/self/ns/net");
    TestSupport.await("the unshare to take effect", () -> !inode(ns).equals(inode(hostNs)));
    podNetns = ns;
  }

  @AfterEach
  void stop() throws InterruptedException {
    holder.destroyForcibly().waitFor();
  }

  @Test
  void theWorkRunsInTheNamespaceAndTheCallerStaysWhereItWas() throws IOException {
    String callerBefore = inode(Path.of("/proc/thread-self/ns/net"));
    AtomicReference<String> seen = new AtomicReference<>();
    AtomicReference<String> forwarding = new AtomicReference<>();

    NetNamespace.run(podNetns, () -> {
      seen.set(inode(Path.of("/proc/thread-self/ns/net")));
      Files.writeString(Path.of("/proc/sys/net/ipv4/conf/lo/arp_ignore"), "2");
      forwarding.set(Files.readAllLines(Path.of("/proc/sys/net/ipv4/conf/lo/arp_ignore")).getFirst());
    });

    assertThat(seen.get()).isEqualTo(inode(podNetns));
    assertThat(forwarding.get()).isEqualTo("2");
    assertThat(inode(Path.of("/proc/thread-self/ns/net"))).isEqualTo(callerBefore);
    assertThat(Files.readAllLines(Path.of("/proc/sys/net/ipv4/conf/lo/arp_ignore")).getFirst())
        .as("the node's own loopback is untouched").isEqualTo("0");
  }

  @Test
  void exceptionsOfTheWorkReachTheCaller() {
    assertThatThrownBy(() -> NetNamespace.run(podNetns, () -> {
      throw new IOException("from inside");
    })).isInstanceOf(IOException.class).hasMessage("from inside");
    assertThatThrownBy(() -> NetNamespace.run(podNetns, () -> {
      throw new IllegalStateException("unchecked");
    })).isInstanceOf(IllegalStateException.class).hasMessage("unchecked");
  }

  @Test
  void aPathThatIsNoNamespaceIsNamed() {
    Path missing = Path.of("/proc/self/ns/no-such-ns");
    assertThatThrownBy(() -> NetNamespace.run(missing, () -> { }))
        .isInstanceOfSatisfying(OsException.class, e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT))
        .hasMessageStartingWith("open " + missing);
    assertThatThrownBy(() -> NetNamespace.run(Path.of("/proc/self/ns/ipc"), () -> { }))
        .isInstanceOfSatisfying(OsException.class, e -> assertThat(e.errno()).isEqualTo(OsException.EINVAL))
        .hasMessageStartingWith("setns /proc/self/ns/ipc");
  }

  private static String inode(Path ns) {
    try {
      return Files.readSymbolicLink(ns).toString();
    } catch (IOException e) {
      return "unreadable: " + e.getMessage();
    }
  }
}
