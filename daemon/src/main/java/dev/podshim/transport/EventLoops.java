package dev.podshim.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's Netty event loops, one per core, shared by the gRPC server, the streaming server
 * and the metrics endpoint for accepting and for serving connections. Each server had a boss and two workers of its
 * own: six threads (and their per-thread buffer caches) where kubelet's one connection and the odd
 * exec session keep two busy at most. Nothing blocks on them; blocking work runs on call threads
 * or virtual threads.
 */
public final class EventLoops implements AutoCloseable {
  private final EventLoopGroup group;

  public EventLoops() {
    this(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
  }

  public EventLoops(int threads) {
    this.group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
  }

  public EventLoopGroup group() {
    return group;
  }

  /** After every server on these loops has shut down. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
