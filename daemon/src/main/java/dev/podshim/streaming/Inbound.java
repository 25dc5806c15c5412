package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bytes from the client on their way to something that blocks (a process's stdin, a socket):
 * the event loop queues them, a virtual thread of this queue's own hands them on, so a slow
 * consumer never holds the event loop. Order is kept, end of input is delivered once after the
 * data, and the queued bytes count against the connection's {@link ReadThrottle}.
 */
final class Inbound {
  private static final Logger LOG = LoggerFactory.getLogger(Inbound.class);

  /** Where the bytes go; both calls may block. */
  interface Target {
    void data(byte[] data) throws IOException;

    void end() throws IOException;
  }

  private static final byte[] END = new byte[0];
  private static final byte[] STOP = new byte[0];

  private final String name;
  private final ReadThrottle throttle;
  private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
  private volatile boolean ended;
  private volatile boolean stopped;
  private @Nullable Thread thread;

  Inbound(String name, ReadThrottle throttle) {
    this.name = requireNonNull(name, "name");
    this.throttle = requireNonNull(throttle, "throttle");
  }

  /** Queues a copy of the readable bytes of {@code data}; does not release it. */
  synchronized void offer(ByteBuf data) {
    int n = data.readableBytes();
    if (n == 0 || ended || stopped) {
      return;
    }
    byte[] copy = new byte[n];
    data.getBytes(data.readerIndex(), copy);
    throttle.queued(n);
    queue.add(copy);
  }

  /** The client will send no more; the target's {@link Target#end()} follows the data. */
  void end() {
    if (!ended) {
      ended = true;
      queue.add(END);
    }
  }

  boolean ended() {
    return ended;
  }

  /** Starts handing bytes to {@code target}; what came before is delivered first. */
  synchronized void start(Target target) {
    requireNonNull(target, "target");
    if (thread != null || stopped) {
      return;
    }
    thread = Thread.ofVirtual().name(name).start(() -> run(target));
  }

  /** Drops what is queued and stops the thread (after its current call returns or fails). */
  void stop() {
    stopped = true;
    dropQueued();
    queue.add(STOP);
  }

  /** Gives the throttle back what will never be consumed, so one dead stream cannot stall a connection. */
  private synchronized void dropQueued() {
    byte[] next;
    while ((next = queue.poll()) != null) {
      if (next != END && next != STOP) {
        throttle.drained(next.length);
      }
    }
  }

  private void run(Target target) {
    try {
      while (true) {
        byte[] next = queue.take();
        if (next == STOP || stopped) {
          return;
        }
        if (next == END) {
          target.end();
          return;
        }
        try {
          target.data(next);
        } finally {
          throttle.drained(next.length);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the consumer is gone (process exited, socket closed): what the client sends is dropped
      LOG.atDebug().addKeyValue("stream", name).setCause(e).log("inbound stream stopped");
    } finally {
      stopped = true;
      dropQueued();
    }
  }
}
