package dev.podshim.streaming;

import dev.podshim.container.OutputSink;
import dev.podshim.container.ProcessStreams;
import dev.podshim.container.StreamOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A StreamingBackend at the process boundary, for the protocol tests: exec runs {@code cmd} as a
 * local process (the container id is ignored), attach runs {@link #attachCommand} the same way
 * (standing in for the container's own process), dial connects to 127.0.0.1. Its real
 * counterpart, through conmon and runc, is exercised by the daemon's integration tests.
 */
final class ProcessBackend implements StreamingBackend {
  /** One process streamed to a client, with what the tests check afterwards. */
  static final class Streamed implements ProcessStreams {
    final Process process;
    final List<String> resizes = new CopyOnWriteArrayList<>();
    final AtomicLong produced = new AtomicLong();
    volatile boolean closed;
    private final Thread out;
    private final Thread err;
    private final OutputStream stdin;

    Streamed(Process process, StreamOptions options, OutputSink sink) throws IOException {
      this.process = process;
      this.stdin = process.getOutputStream();
      if (!options.stdin()) {
        stdin.close();
      }
      out = Thread.ofVirtual().name("fake-stdout").start(() -> pump(process.getInputStream(), sink, true));
      err = Thread.ofVirtual().name("fake-stderr").start(() -> pump(process.getErrorStream(), sink, false));
    }

    private void pump(InputStream in, OutputSink sink, boolean stdout) {
      byte[] buffer = new byte[16 * 1024];
      try (in) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          if (stdout) {
            sink.stdout(buffer, 0, n);
          } else {
            sink.stderr(buffer, 0, n);
          }
          produced.addAndGet(n);
        }
      } catch (IOException e) {
        // client gone or process killed: the pump ends
      }
    }

    @Override
    public void stdin(byte[] data, int offset, int length) throws IOException {
      stdin.write(data, offset, length);
      stdin.flush();
    }

    @Override
    public void closeStdin() throws IOException {
      stdin.close();
    }

    @Override
    public void resize(int width, int height) {
      resizes.add(width + "x" + height);
    }

    @Override
    public int awaitExit() throws InterruptedException {
      int code = process.waitFor();
      out.join();
      err.join();
      return code;
    }

    @Override
    public void close() {
      closed = true;
      process.destroyForcibly();
      try {
        stdin.close();
      } catch (IOException e) {
        // already gone
      }
    }
  }

  final List<Streamed> started = new CopyOnWriteArrayList<>();
  final List<Integer> dialled = new CopyOnWriteArrayList<>();
  volatile List<String> attachCommand = List.of("cat");

  @Override
  public ProcessStreams exec(String containerId, List<String> cmd, StreamOptions options, OutputSink output)
      throws IOException {
    return start(cmd, options, output);
  }

  @Override
  public ProcessStreams attach(String containerId, StreamOptions options, OutputSink output) throws IOException {
    return start(attachCommand, options, output);
  }

  private ProcessStreams start(List<String> cmd, StreamOptions options, OutputSink output) throws IOException {
    Streamed streamed = new Streamed(new ProcessBuilder(cmd).start(), options, output);
    started.add(streamed);
    return streamed;
  }

  @Override
  public SocketChannel dial(String podSandboxId, int port) throws IOException {
    dialled.add(port);
    return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
  }

  Streamed last() {
    return started.get(started.size() - 1);
  }
}
