package dev.podshim.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;

/**
 * The byte buffers of every server the daemon runs (CRI, streaming, metrics): unpooled and direct,
 * each freed when released. grpc-java's own pooled allocator keeps every 2 MiB chunk a burst of
 * large requests touched, and Netty's default keeps its chunks too: after a hostile run over every
 * RPC ~14 MB of request bytes stayed in such chunks, out of NMT's sight (BENCHMARKS.md, "Hostile
 * run"). A control-plane daemon's requests are few and small; a malloc per buffer costs nothing
 * measurable next to that, and glibc's fixed mmap threshold ({@code NativeHeap}) hands the large
 * ones back at once.
 */
public final class Buffers {
  /** Direct (reads and writes go to the socket without a copy), no leak detector, no Cleaner: freed at release. */
  public static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(true, true, true);

  private Buffers() {}

  /**
   * A TCP server on {@code loops} with these buffers, for the streaming and metrics servers; no
   * Nagle delay: an answer goes out in one write, and a small one would wait for a delayed ACK.
   */
  public static ServerBootstrap tcpServer(EventLoopGroup loops) {
    return new ServerBootstrap().group(loops, loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.ALLOCATOR, ALLOCATOR);
  }
}
