package dev.podshim.transport;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The CRI endpoint: grpc-java on a Netty epoll unix socket (0660), with the health and
 * reflection services. Calls run on platform threads: handlers block in native calls (spawning
 * pause, CNI plugins, mounts), which would hold one of the few carriers of a virtual thread. The
 * in-memory reads ({@link InlineReads}) run on the event loop itself.
 */
public final class GrpcServer {
  /** kubelet sends large ListContainers answers and exec payloads; containerd allows 16 MiB. */
  private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** Far above what kubelet sends at once; a flood beyond it is refused instead of exhausting threads. */
  private static final int MAX_CONCURRENT_CALLS = 256;
  /**
   * How long an idle call thread stays. kubelet in steady state keeps a few busy; a burst (110 pods
   * written at once) left 165 threads, ~14 MiB of the daemon's PSS, for the minute a longer wait kept them.
   */
  private static final long IDLE_THREAD_SECONDS = 10;

  private final SocketFile socket;
  private final Server server;
  private final ExecutorService executor;
  private final HealthStatusManager health = new HealthStatusManager();

  public GrpcServer(Path socket, EventLoops loops, List<BindableService> services, ReadinessGate gate,
      MeterRegistry registry) {
    this.socket = new SocketFile(socket);
    this.executor = new java.util.concurrent.ThreadPoolExecutor(0, MAX_CONCURRENT_CALLS, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), Thread.ofPlatform().daemon().name("cri-", 0).factory());
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(this.socket.bindPath().toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loops.group())
        .workerEventLoopGroup(loops.group())
        .directExecutor()
        .callExecutor(new InlineReads(executor))
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .withChildOption(io.netty.channel.ChannelOption.ALLOCATOR, Buffers.ALLOCATOR);
    configure(builder, services, gate, registry);
    builder.addService(health.getHealthService());
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
    this.server = builder.build();
  }

  /**
   * Adds the CRI services, reflection and the interceptor chain to any server builder, so tests on
   * grpc's in-process transport run exactly what the socket serves.
   */
  public static void configure(ServerBuilder<?> builder, List<BindableService> services, ReadinessGate gate,
      MeterRegistry registry) {
    services.forEach(s -> builder.addService(StrictRequests.wrap(s)));
    builder.addService(ProtoReflectionServiceV1.newInstance());
    // interceptors run in reverse order of registration: observe first, map exceptions last
    builder.intercept(new ExceptionMapping());
    builder.intercept(new Planned());
    builder.intercept(gate);
    builder.intercept(new RpcObserver(registry));
  }

  /** Binds the socket: parent directory created, mode 0660, a stale socket file replaced. */
  public void start() throws IOException {
    socket.prepare();
    server.start();
    socket.publish();
  }

  /** Marks the server SERVING for the gRPC health service. */
  public void serving() {
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  /**
   * Removes the socket path if it is still ours, stops accepting, then lets in-flight calls finish
   * (bounded). The path goes first, while our bound socket still holds its inode.
   */
  public void shutdown(long graceSeconds) throws InterruptedException {
    health.enterTerminalState();
    socket.removeIfOurs();
    server.shutdown();
    if (!server.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
    executor.shutdown();
  }
}
