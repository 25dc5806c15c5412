package dev.podshim.bench;

import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A CRI runtime already running on this machine (podshim's, containerd's), reached on its unix
 * socket, for the benchmarks that compare runtimes side by side.
 */
final class CriEndpoint implements AutoCloseable {
  final String name;
  final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final ManagedChannel channel;

  CriEndpoint(String name, String socket) {
    this.name = name;
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.replaceFirst("^unix://", "")))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    runtime = RuntimeServiceGrpc.newBlockingStub(channel);
  }

  void pull(String image) {
    ImageServiceGrpc.newBlockingStub(channel).pullImage(PullImageRequest.newBuilder()
        .setImage(ImageSpec.newBuilder().setImage(image)).build());
  }

  /**
   * The {@code bench.endpoints} property: comma-separated {@code name=socket} entries, each maybe
   * followed by {@code =extra} (what the benchmark needs besides, e.g. a process pattern).
   */
  static Map<String, String[]> fromProperty(String fallback) {
    Map<String, String[]> endpoints = new LinkedHashMap<>();
    for (String entry : System.getProperty("bench.endpoints", fallback).split(",")) {
      String[] parts = entry.split("=", 3);
      endpoints.put(parts[0], parts.length == 3 ? new String[] {parts[1], parts[2]} : new String[] {parts[1], ""});
    }
    return endpoints;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    group.shutdownGracefully();
  }
}
