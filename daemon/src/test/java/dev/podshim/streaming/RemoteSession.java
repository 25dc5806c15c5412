package dev.podshim.streaming;

import java.time.Duration;

/**
 * A remote command (exec or attach) in progress, from the client's side: write stdin, resize,
 * watch stdout and stderr, wait for the end. Made by {@link StreamClient}.
 */
public interface RemoteSession extends AutoCloseable {
  /** The protocol the server chose. */
  String protocol();

  void stdin(byte[] data);

  /** Ends stdin: a FIN on SPDY, the close signal on WebSocket v5 (nothing before v5). */
  void closeStdin();

  void resize(int width, int height);

  Received stdout();

  Received stderr();

  /** The error stream: where the status comes at the end. */
  Received error();

  /** Stops reading from the connection (the server must then hold its output back). */
  void pauseReading();

  void resumeReading();

  /** Drops the connection as a client that goes away would. */
  void disconnect();

  /** Waits for the error stream to end and stdout/stderr to end, then for the connection to close. */
  ExecResult await(Duration timeout);

  /** Whether the server closed the connection. */
  boolean closed();

  @Override
  void close();
}
