package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.OutputSink;
import dev.podshim.container.ProcessStreams;
import dev.podshim.container.StreamOptions;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exec or attach session once its streams are open, whatever carries them (SPDY streams or
 * WebSocket channels): starts the process through the backend, feeds it stdin and resizes off
 * the event loop, waits for its end and reports the status as kubelet does. When the client goes
 * away first the process streams are closed: an exec'ed command is killed, an attach detaches.
 */
final class RemoteCommand {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteCommand.class);
  /** Only the newest size matters; a client flooding resizes loses the older ones. */
  private static final int MAX_PENDING_RESIZES = 16;

  /** What the transport gives a running command. */
  interface Wire {
    /** Writes to the client's stdout and stderr streams, blocking while it cannot take more. */
    OutputSink sink();

    /** Reports the end on the error stream and closes the connection; called once. */
    void finish(ExitStatus status);

    /** Closes the connection without a status (the client is gone already). */
    void abort();
  }

  private final StreamingBackend backend;
  private final Session session;
  private final StreamOptions options;
  private final Inbound stdin;
  private final ResizeDecoder resizeDecoder = new ResizeDecoder();
  private final LinkedBlockingQueue<ResizeDecoder.Size> resizes = new LinkedBlockingQueue<>();
  private volatile @Nullable ProcessStreams process;
  private volatile boolean closed;
  private boolean started;

  RemoteCommand(StreamingBackend backend, Session session, ReadThrottle throttle) {
    this.backend = requireNonNull(backend, "backend");
    this.session = requireNonNull(session, "session");
    this.options = switch (session.target()) {
      case StreamTarget.Exec e -> e.options();
      case StreamTarget.Attach a -> a.options();
      case StreamTarget.PortForward p -> throw new IllegalArgumentException("not a command: " + p);
    };
    this.stdin = new Inbound("stream-stdin", throttle);
  }

  StreamOptions options() {
    return options;
  }

  /** Starts the process; called once, when the client's streams are all there. */
  synchronized void start(Wire wire) {
    requireNonNull(wire, "wire");
    if (started) {
      return;
    }
    started = true;
    Thread.ofVirtual().name("stream-" + session.kind().tag()).start(() -> run(wire));
  }

  /** Data on the stdin stream (event loop). */
  void stdin(ByteBuf data) {
    session.bytesIn(data.readableBytes());
    if (options.stdin()) {
      stdin.offer(data);
    }
  }

  /** The client closed its stdin (event loop); the process sees end of file. */
  void stdinEnd() {
    stdin.end();
  }

  /** Data on the resize stream (event loop). */
  void resize(ByteBuf data) {
    for (ResizeDecoder.Size size : resizeDecoder.feed(data)) {
      if (resizes.size() >= MAX_PENDING_RESIZES) {
        resizes.poll();
      }
      resizes.add(size);
    }
  }

  /** The connection is gone (event loop): end the process streams, the session is over. */
  void connectionClosed() {
    closed = true;
    stdin.stop();
    stopResizes();
    ProcessStreams p = process;
    if (p != null) {
      p.close();
    }
  }

  private static final ResizeDecoder.Size STOP_RESIZES = new ResizeDecoder.Size(-1, -1);
  private volatile boolean resizesOver;

  private void stopResizes() {
    resizesOver = true;
    resizes.add(STOP_RESIZES);
  }

  /**
   * A client on a terminal sends its size on the resize stream as soon as the stream is open; an
   * exec waits this long for it, so that the new terminal starts at that size.
   */
  private static final long FIRST_SIZE_WAIT_MILLIS = 300;

  /** The options, with the client's terminal size when it sends one in time (exec on a terminal). */
  private StreamOptions startOptions() throws InterruptedException {
    if (!options.tty() || !(session.target() instanceof StreamTarget.Exec)) {
      return options;
    }
    ResizeDecoder.Size first = resizes.poll(FIRST_SIZE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    if (first == null || first == STOP_RESIZES) {
      return options;
    }
    return options.withTerminalSize(new StreamOptions.TerminalSize(first.width(), first.height()));
  }

  private void run(Wire wire) {
    ProcessStreams p;
    try {
      StreamOptions start = startOptions();
      p = switch (session.target()) {
        case StreamTarget.Exec e -> backend.exec(e.containerId(), e.cmd(), start, wire.sink());
        case StreamTarget.Attach a -> backend.attach(a.containerId(), options, wire.sink());
        case StreamTarget.PortForward pf -> throw new IllegalStateException("not a command");
      };
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      wire.abort();
      return;
    } catch (IOException | RuntimeException e) {
      LOG.atInfo().setCause(e).addKeyValue("kind", session.kind().tag()).log("streaming session could not start");
      session.outcome(Outcome.ERROR);
      wire.finish(ExitStatus.internalError(startError(e)));
      return;
    }
    process = p;
    if (closed) {
      p.close();
      return;
    }
    try {
      if (options.stdin()) {
        stdin.start(new Inbound.Target() {
          @Override
          public void data(byte[] data) throws IOException {
            p.stdin(data, 0, data.length);
          }

          @Override
          public void end() throws IOException {
            p.closeStdin();
          }
        });
      }
      Thread.ofVirtual().name("stream-resize").start(() -> applyResizes(p));
      int code = p.awaitExit();
      if (closed) {
        // the client went away and closing its streams ended the process: that is the outcome
        // the connection's end records (CLIENT_GONE), not the exit the kill caused
        return;
      }
      ExitStatus status;
      if (session.target() instanceof StreamTarget.Exec e && code != 0) {
        session.exitCode(code);
        session.outcome(Outcome.EXIT_NONZERO);
        status = ExitStatus.nonZeroExit(e.cmd(), code);
      } else {
        session.exitCode(code);
        session.outcome(Outcome.SUCCESS);
        status = ExitStatus.succeeded();
      }
      wire.finish(status);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      wire.abort();
    } catch (IOException | RuntimeException e) {
      if (closed) {
        return;
      }
      LOG.atInfo().setCause(e).addKeyValue("kind", session.kind().tag()).log("streaming session failed");
      session.outcome(Outcome.ERROR);
      wire.finish(ExitStatus.internalError(startError(e)));
    } finally {
      stdin.stop();
      stopResizes();
      p.close();
    }
  }

  private String startError(Exception e) {
    String what = session.kind() == SessionKind.EXEC ? "error executing command in container: "
        : "error attaching to container: ";
    return what + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
  }

  private void applyResizes(ProcessStreams p) {
    try {
      while (!resizesOver) {
        ResizeDecoder.Size size = resizes.poll(500, TimeUnit.MILLISECONDS);
        if (size == null) {
          continue;
        }
        if (size == STOP_RESIZES) {
          return;
        }
        try {
          p.resize(size.width(), size.height());
        } catch (IOException e) {
          LOG.atDebug().setCause(e).log("resize failed");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
