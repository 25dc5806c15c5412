package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.os.Fifo;
import dev.podshim.os.OsException;
import dev.podshim.os.UnixSeqpacket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's session on a conmon attach socket: an exec's or a container's stdio.
 *
 * <p>conmon sends each chunk of output as one SOCK_SEQPACKET message whose first byte names the
 * stream (2 stdout, 3 stderr) and writes every message it receives to the process's stdin; our
 * half-close (SHUT_WR) ends stdin when conmon runs without {@code --leave-stdin-open}. Resizes go
 * to conmon's control fifo as {@code "1 <rows> <cols>\n"}. conmon closes the socket once the
 * process has ended and its output is out.
 *
 * <p>One platform thread per session (blocking native reads would pin a virtual thread's carrier)
 * reads the socket and makes every {@link OutputSink} call, in order. When the output ends it
 * asks the {@link End} for the exit code and frees the session, so nothing waits on the client
 * calling {@link #close}. A sink that fails (the client is gone) gets nothing more, but the socket
 * is still drained: conmon blocks on a reader that does not read, and for an attach that would
 * stall the container's own output.
 */
final class StreamSession implements ProcessStreams {
  private static final Logger LOG = LoggerFactory.getLogger(StreamSession.class);
  private static final byte STDOUT = 2;
  private static final byte STDERR = 3;
  /** conmon reads at most 32 KiB - 1 per message and truncates the rest; stay well below. */
  private static final int STDIN_CHUNK = 8192;
  private static final Duration STOP_WAIT = Duration.ofSeconds(10);
  private static final Duration FORCE_WAIT = Duration.ofSeconds(5);

  /** How a session ends: an exec's process exits, an attached container exits or is detached from. */
  interface End {
    /** Called once the output has ended, on the session's thread: the exit code. */
    int exitCode() throws IOException, InterruptedException;

    /** {@link #close} before the end: an exec's process is killed, an attach detaches. */
    void stop();

    /** The output still has not ended well after {@link #stop}: make it end. */
    void forceStop();

    /** Frees what the session holds, once its thread is done with it. */
    void release();
  }

  private final String name;
  private final UnixSeqpacket socket;
  private final @Nullable Path controlFifo;
  private final StreamOptions options;
  private final boolean stdinOpen;
  private final OutputSink sink;
  private final End end;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean stdinClosed = new AtomicBoolean();
  private final Thread thread;
  private volatile boolean discard;

  /**
   * @param controlFifo conmon's control fifo for resizes; null when there is no terminal
   * @param stdinOpen whether conmon has a stdin to write to and the client asked for it; when not,
   *     what the client sends is dropped (conmon would hold it and stop reading the socket)
   */
  StreamSession(String name, UnixSeqpacket socket, @Nullable Path controlFifo, StreamOptions options,
      boolean stdinOpen, OutputSink sink, End end) {
    this.name = requireNonNull(name, "name");
    this.socket = requireNonNull(socket, "socket");
    this.controlFifo = controlFifo;
    this.options = requireNonNull(options, "options");
    this.stdinOpen = stdinOpen;
    this.sink = requireNonNull(sink, "sink");
    this.end = requireNonNull(end, "end");
    this.thread = Thread.ofPlatform().daemon().name(name).stackSize(256 * 1024).unstarted(this::run);
  }

  /** Starts reading the output; once, before the process may write. */
  void start() {
    thread.start();
  }

  private void run() {
    try {
      byte[] buffer = new byte[UnixSeqpacket.MAX_RECEIVE];
      int n;
      while ((n = socket.receive(buffer)) >= 0) {
        deliver(buffer, n);
      }
      exit.complete(end.exitCode());
    } catch (Throwable t) {
      exit.completeExceptionally(t);
    } finally {
      try {
        end.release();
      } catch (RuntimeException e) {
        LOG.atWarn().setCause(e).addKeyValue("session", name).log("release stream session failed");
      }
    }
  }

  private void deliver(byte[] message, int length) {
    if (length < 1 || discard) {
      return;
    }
    byte stream = message[0];
    try {
      // on a terminal everything is stdout; conmon's stderr pipe then only carries the runtime's
      // own messages from before the terminal existed
      if (stream == STDOUT || (options.tty() && stream == STDERR)) {
        if (options.stdout()) {
          sink.stdout(message, 1, length - 1);
        }
      } else if (stream == STDERR) {
        if (options.stderr()) {
          sink.stderr(message, 1, length - 1);
        }
      }
    } catch (IOException | RuntimeException e) {
      discard = true;
      LOG.atDebug().addKeyValue("session", name).log("output sink failed, dropping further output: {}",
          e.getMessage());
    }
  }

  @Override
  public void stdin(byte[] data, int offset, int length) throws IOException {
    java.util.Objects.checkFromIndexSize(offset, length, data.length);
    if (!stdinOpen) {
      return;
    }
    if (stdinClosed.get() || closed.get()) {
      throw new IOException(name + ": stdin is closed");
    }
    try {
      for (int done = 0; done < length; done += STDIN_CHUNK) {
        socket.send(data, offset + done, Math.min(STDIN_CHUNK, length - done));
      }
    } catch (OsException e) {
      throw new IOException(name + ": write stdin: " + e.getMessage(), e);
    }
  }

  @Override
  public void closeStdin() {
    if (stdinOpen && stdinClosed.compareAndSet(false, true)) {
      socket.shutdownOutput();
    }
  }

  @Override
  public void resize(int width, int height) throws IOException {
    Path fifo = controlFifo;
    if (fifo == null || !options.tty() || width < 0 || height < 0) {
      return;
    }
    String line = "1 " + Math.min(height, 0xffff) + " " + Math.min(width, 0xffff) + "\n";
    try {
      // false: conmon is gone, the session is ending anyway
      Fifo.writeIfRead(fifo, line.getBytes(StandardCharsets.US_ASCII));
    } catch (OsException e) {
      throw new IOException(name + ": resize: " + e.getMessage(), e);
    }
  }

  @Override
  public int awaitExit() throws InterruptedException, IOException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case InterruptedException ie -> throw new IOException(name + ": interrupted while ending", ie);
        case RuntimeException re -> throw re;
        case Error err -> throw err;
        case Throwable t -> throw new IOException(name + ": " + t.getMessage(), t);
      }
    }
  }

  /** Whether the session has ended and freed what it held. */
  boolean ended() {
    return exit.isDone() && !thread.isAlive();
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    discard = true;
    if (exit.isDone()) {
      joinQuietly(STOP_WAIT);
      return;
    }
    try {
      end.stop();
      if (!joinQuietly(STOP_WAIT)) {
        LOG.atWarn().addKeyValue("session", name).log("stream session did not end {}s after close; forcing it",
            STOP_WAIT.toSeconds());
        end.forceStop();
        joinQuietly(FORCE_WAIT);
      }
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).addKeyValue("session", name).log("close stream session failed");
    }
  }

  /** Waits for the session's thread, unless close is called from it (from inside a sink call). */
  private boolean joinQuietly(Duration timeout) {
    if (Thread.currentThread() == thread) {
      return true;
    }
    try {
      return thread.join(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !thread.isAlive();
    }
  }
}
