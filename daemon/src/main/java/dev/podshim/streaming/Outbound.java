package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Writes from the threads that produce output (a process's stdout pump, a forwarded socket's
 * reader) to a connection, blocking them while the connection's outbound buffer is above its
 * high-water mark. This is the only backpressure towards the client: a slow reader fills its
 * TCP window, Netty stops writing, the buffer fills, the producer waits here and the process
 * blocks on its pipe. The memory held per connection is thus the high-water mark plus one chunk.
 *
 * <p>SPDY's own stream windows are not used for this: spdystream (kubectl, the apiserver,
 * client-go) never sends WINDOW_UPDATE, so a server that honoured a 64 KiB window would stall
 * every large output; kubelet's server, built on spdystream too, relies on TCP alone.
 */
final class Outbound {
  /** Long enough not to spin, short enough that a missed wake-up costs little. */
  private static final long RECHECK_MILLIS = 50;

  private final Channel channel;
  private final Object lock = new Object();

  Outbound(Channel channel) {
    this.channel = requireNonNull(channel, "channel");
  }

  /** Called on the event loop when writability changes or the channel closes. */
  void wake() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Blocks until the connection can take more; never call on the event loop. */
  void awaitWritable() throws IOException {
    if (channel.eventLoop().inEventLoop()) {
      throw new IllegalStateException("blocking write on the event loop");
    }
    synchronized (lock) {
      while (channel.isActive() && !channel.isWritable()) {
        try {
          lock.wait(RECHECK_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted waiting for the client to read");
        }
      }
    }
    if (!channel.isActive()) {
      throw new IOException("the streaming client went away");
    }
  }

  /** Waits for room, then queues {@code message}; the caller owns it until here. */
  ChannelFuture write(Object message) throws IOException {
    try {
      awaitWritable();
    } catch (IOException e) {
      io.netty.util.ReferenceCountUtil.release(message);
      throw e;
    }
    return channel.writeAndFlush(message);
  }
}
