package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.errors.CriException;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PortForward's dial: TCP to 127.0.0.1 in a pod's network namespace, or the host's for host-network pods. */
class PortForwardDialTest extends ContainerHarnessTest {
  @BeforeEach
  void image() {
    pullBusybox();
  }

  @Test
  void dialsAServerInsideThePodsNetworkNamespace() throws Exception {
    PodSandboxConfig.Builder pod = Pods.config("web");
    String podId = runPod(pod);
    createAndStart(podId, pod, Containers.config("echo", busybox, "nc", "-ll", "-p", "8080", "-e", "cat"));
    Set<String> threadNamespacesBefore = threadNetNamespaces();

    try (SocketChannel channel = dialWhenListening(podId, 8080)) {
      channel.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.US_ASCII)));
      assertThat(readLine(channel)).isEqualTo("ping\n");
    }
    // nothing listens on the host's 8080 here, nor on the pod's 8081
    assertThatThrownBy(() -> cri.sandboxes.dialPort(podId, 8081)).isInstanceOf(ConnectException.class);
    // the dialling thread has ended once dialPort returns; the kernel may take a moment to reap its task
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (!threadNetNamespaces().equals(threadNamespacesBefore) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(threadNetNamespaces()).as("no thread left in the pod's namespace").isEqualTo(threadNamespacesBefore);
  }

  @Test
  void dialsTheHostForAHostNetworkPod() throws Exception {
    String podId = runPod(Pods.hostNetwork("host"));
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        SocketChannel channel = cri.sandboxes.dialPort(podId, server.getLocalPort());
        Socket accepted = server.accept()) {
      accepted.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readLine(channel)).isEqualTo("hi\n");
      assertThat(((InetSocketAddress) channel.getRemoteAddress()).getAddress().isLoopbackAddress()).isTrue();
    }
  }

  @Test
  void refusesBadPortsUnknownAndStoppedPods() throws Exception {
    PodSandboxConfig.Builder pod = Pods.config("stopped");
    String podId = runPod(pod);
    assertKind(() -> cri.sandboxes.dialPort(podId, 0), CriException.Kind.INVALID_ARGUMENT);
    assertKind(() -> cri.sandboxes.dialPort(podId, 65536), CriException.Kind.INVALID_ARGUMENT);
    assertKind(() -> cri.sandboxes.dialPort("nope", 80), CriException.Kind.NOT_FOUND);
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    assertKind(() -> cri.sandboxes.dialPort(podId, 80), CriException.Kind.FAILED_PRECONDITION);
  }

  private SocketChannel dialWhenListening(String podId, int port) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try {
        return cri.sandboxes.dialPort(podId, port);
      } catch (ConnectException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20); // nc is not listening yet
      }
    }
  }

  private static String readLine(SocketChannel channel) throws IOException {
    StringBuilder line = new StringBuilder();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (line.isEmpty() || line.charAt(line.length() - 1) != '\n') {
      one.clear();
      if (channel.read(one) < 0) {
        break;
      }
      line.append((char) one.get(0));
    }
    return line.toString();
  }

  /** The network namespaces the JVM's threads are in. */
  private static Set<String> threadNetNamespaces() throws IOException {
    Set<String> namespaces = new HashSet<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          namespaces.add(Files.readSymbolicLink(task.resolve("ns/net")).toString());
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return namespaces;
  }

  private static void assertKind(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, CriException.Kind kind) {
    assertThatThrownBy(call).isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(kind));
  }
}
