package dev.podshim.streaming;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/** A TCP echo server on 127.0.0.1 that closes each connection at its client's end of file. */
final class EchoServer implements AutoCloseable {
  private final ServerSocket socket;
  final AtomicInteger accepted = new AtomicInteger();

  EchoServer() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().name("echo-accept").start(() -> {
      while (!socket.isClosed()) {
        try {
          Socket s = socket.accept();
          accepted.incrementAndGet();
          Thread.ofVirtual().name("echo").start(() -> echo(s));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  private static void echo(Socket s) {
    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException e) {
      // the other side went away
    }
  }

  int port() {
    return socket.getLocalPort();
  }

  /** A port nothing listens on (bound a moment ago, then closed). */
  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
