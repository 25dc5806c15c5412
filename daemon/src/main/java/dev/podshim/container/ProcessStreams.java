package dev.podshim.container;

import java.io.IOException;

/**
 * A process streamed to a client: a command exec'ed in a container, or a container attached to.
 * Its output goes to the {@link OutputSink} it was opened with, from a thread of its own.
 */
public interface ProcessStreams extends AutoCloseable {
  /** Writes to the process's stdin; blocks while the process does not read. */
  void stdin(byte[] data, int offset, int length) throws IOException;

  /** The client closed its stdin: the process sees end of file. */
  void closeStdin() throws IOException;

  /** Sets the terminal's size; ignored without a terminal. */
  void resize(int width, int height) throws IOException;

  /**
   * Waits until the process ends (exec) or the container exits (attach) and all its output has
   * reached the sink; returns the exit code.
   */
  int awaitExit() throws InterruptedException, IOException;

  /**
   * Ends the session, e.g. when the client went away: an exec'ed process is killed, an attach
   * detaches and leaves the container running. Frees every fd and thread; idempotent.
   */
  @Override
  void close();
}
