package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;

/**
 * Backpressure from the client: bytes the client sent that wait for a slow consumer (a process
 * not reading its stdin, a forwarded socket not draining) are counted per connection, and past
 * a mark the connection stops reading until they drain. So a client pushing 100 MB into a
 * process that reads slowly costs at most about {@link #HIGH} bytes of heap.
 */
final class ReadThrottle {
  static final long HIGH = 1 << 20;
  static final long LOW = 256 << 10;

  private final Channel channel;
  private long queued;

  ReadThrottle(Channel channel) {
    this.channel = requireNonNull(channel, "channel");
  }

  synchronized void queued(int n) {
    queued += n;
    if (queued > HIGH && channel.config().isAutoRead()) {
      channel.config().setAutoRead(false);
    }
  }

  synchronized void drained(int n) {
    queued -= n;
    if (queued < LOW && !channel.config().isAutoRead()) {
      channel.config().setAutoRead(true);
    }
  }

  /** At the end nothing waits any more: read again so the close is seen and nothing is left unread. */
  synchronized void release() {
    queued = 0;
    channel.config().setAutoRead(true);
  }
}
