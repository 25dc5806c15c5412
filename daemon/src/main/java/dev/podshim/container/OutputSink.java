package dev.podshim.container;

import java.io.IOException;

/**
 * Where a streamed process's output goes (the client's connection). Each call blocks while the
 * connection cannot take more, so a slow client slows the process instead of filling memory, and
 * the bytes are consumed before it returns. An IOException means the client is gone.
 */
public interface OutputSink {
  void stdout(byte[] data, int offset, int length) throws IOException;

  void stderr(byte[] data, int offset, int length) throws IOException;
}
