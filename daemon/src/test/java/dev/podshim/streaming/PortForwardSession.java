package dev.podshim.streaming;

/** A port-forward connection to the streaming server. Made by {@link StreamClient}. */
public interface PortForwardSession extends AutoCloseable {
  /**
   * SPDY: opens a new forwarded connection to {@code port} (an error and a data stream).
   * WebSocket: returns the forward of {@code port}, which must be among the URL's ports.
   */
  ForwardedConnection openConnection(int port);

  /** Whether the server closed the connection. */
  boolean closed();

  @Override
  void close();
}
