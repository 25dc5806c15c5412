package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import dev.podshim.os.NetNamespace;
import dev.podshim.store.Sandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * PortForward's connections: TCP to 127.0.0.1 inside the pod's network namespace. A socket keeps
 * the namespace it was created in, so it is created (and connected) on a short-lived thread that
 * joined the pinned namespace; the channel then works from any thread, and no thread of ours stays
 * in the pod's namespace.
 */
final class PortDialer {
  /** Loopback answers at once; only a listener with a full backlog makes a SYN wait. */
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  private PortDialer() {}

  static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw CriException.invalidArgument("port: " + port + " is not a TCP port (1-65535)");
    }
  }

  static SocketChannel dial(Sandbox sandbox, int port) throws IOException {
    checkPort(port);
    if (!sandbox.status().ready()) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "port forward to sandbox " + sandbox.id() + ": the sandbox is not ready");
    }
    InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    if (sandbox.metadata().config().namespaces().hostNetwork()) {
      return connect(target);
    }
    Path netns = PodFiles.namespace(sandbox, Namespace.NET);
    if (netns == null) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          "port forward to sandbox " + sandbox.id() + ": its network namespace is gone");
    }
    AtomicReference<@Nullable SocketChannel> channel = new AtomicReference<>();
    NetNamespace.run(netns, () -> channel.set(connect(target)));
    SocketChannel connected = channel.get();
    if (connected == null) {
      throw new IOException("port forward to sandbox " + sandbox.id() + ": no connection");
    }
    return connected;
  }

  /** A connected blocking channel; IPv4 whatever the JVM prefers, as the pod may have no IPv6. */
  private static SocketChannel connect(InetSocketAddress target) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.INET);
    try {
      channel.socket().connect(target, CONNECT_TIMEOUT_MILLIS);
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }
}
