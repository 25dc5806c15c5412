package dev.podshim.streaming;

/** One forwarded connection of a port-forward session, from the client's side. */
public interface ForwardedConnection extends AutoCloseable {
  int port();

  void write(byte[] data);

  /** Half-closes: the pod's socket sees end of file (SPDY only; WebSocket channels have no end). */
  void closeWrite();

  /** What came from the pod. */
  Received data();

  /** What came on the error stream (kubelet's JSON error response, when the forward failed). */
  Received error();

  @Override
  void close();
}
