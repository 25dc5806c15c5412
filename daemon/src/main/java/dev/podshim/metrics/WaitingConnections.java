package dev.podshim.metrics;

import io.netty.channel.Channel;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The connections that wait for a request, either idle between scrapes or halfway through
 * sending one, oldest first, at most {@code max} of them. One more closes the oldest: a crowd of
 * stalled clients loses its oldest members to each new connection instead of keeping a scraper
 * out, and what they hold stays bounded.
 */
final class WaitingConnections {
  private final int max;
  private final Set<Channel> channels = new LinkedHashSet<>();

  WaitingConnections(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("metrics: max waiting connections must be positive: " + max);
    }
    this.max = max;
  }

  /** {@code channel} now waits for a request; returns the connection closed to make room, if any. */
  @Nullable Channel add(Channel channel) {
    @Nullable Channel oldest = null;
    synchronized (this) {
      channels.remove(channel);
      channels.add(channel);
      if (channels.size() > max) {
        Iterator<Channel> it = channels.iterator();
        oldest = it.next();
        it.remove();
      }
    }
    if (oldest != null) {
      oldest.close();
    }
    return oldest;
  }

  /** {@code channel} has a request to be answered, or is closed. */
  synchronized void remove(Channel channel) {
    channels.remove(channel);
  }

  synchronized int size() {
    return channels.size();
  }
}
