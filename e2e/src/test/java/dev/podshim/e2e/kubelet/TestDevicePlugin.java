package dev.podshim.e2e.kubelet;

import dev.podshim.e2e.deviceplugin.AllocateRequest;
import dev.podshim.e2e.deviceplugin.AllocateResponse;
import dev.podshim.e2e.deviceplugin.CDIDevice;
import dev.podshim.e2e.deviceplugin.ContainerAllocateRequest;
import dev.podshim.e2e.deviceplugin.ContainerAllocateResponse;
import dev.podshim.e2e.deviceplugin.Device;
import dev.podshim.e2e.deviceplugin.DevicePluginGrpc;
import dev.podshim.e2e.deviceplugin.DevicePluginOptions;
import dev.podshim.e2e.deviceplugin.Empty;
import dev.podshim.e2e.deviceplugin.ListAndWatchResponse;
import dev.podshim.e2e.deviceplugin.PreStartContainerRequest;
import dev.podshim.e2e.deviceplugin.PreStartContainerResponse;
import dev.podshim.e2e.deviceplugin.PreferredAllocationRequest;
import dev.podshim.e2e.deviceplugin.PreferredAllocationResponse;
import dev.podshim.e2e.deviceplugin.RegisterRequest;
import dev.podshim.e2e.deviceplugin.RegistrationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A device plugin as a vendor ships one, for {@code /dev/null}: it registers {@value #RESOURCE}
 * with kubelet, advertises {@link #DEVICES}, and answers Allocate with each device's CDI name
 * ({@code podshim.test/null=<id>}), which kubelet hands to the runtime in CDI_devices. The CDI
 * spec file that defines those names goes into podshimd's CDI directory of the run, never the
 * host's /etc/cdi. Kubelet's device plugin folder is fixed ({@value #PLUGIN_DIR}, whatever its
 * root dir); {@link #close} removes what the plugin and kubelet's device manager left there.
 */
final class TestDevicePlugin implements AutoCloseable {
  static final String RESOURCE = "podshim.test/null";
  static final List<String> DEVICES = List.of("null0", "null1");
  /** Where each device's node is in the container (either device: the pod asks for one). */
  static final String CONTAINER_NODE = "/dev/podshim-null";
  static final String ENV = "PODSHIM_TEST_DEVICE";
  static final String MOUNTED = "/opt/podshim-cdi";
  static final String PLUGIN_DIR = "/var/lib/kubelet/device-plugins";
  private static final Path CHECKPOINT = Path.of(PLUGIN_DIR, "kubelet_internal_checkpoint");

  private final Path socket = Path.of(PLUGIN_DIR, "podshim-test-null.sock");
  private final boolean checkpointExisted = Files.exists(CHECKPOINT);
  /** Device ids kubelet allocated, in Allocate calls. */
  final Set<String> allocated = ConcurrentHashMap.newKeySet();
  private EventLoopGroup group;
  private Server server;

  /** podshimd's CDI spec directory for a node in {@code nodeDir}. */
  static Path cdiDir(Path nodeDir) {
    return nodeDir.resolve("cdi");
  }

  /** The host directory the spec mounts into every container with a device. */
  static Path shared(Path nodeDir) {
    return nodeDir.resolve("cdi-shared");
  }

  /**
   * Writes the spec, serves the plugin, registers it with kubelet, and returns once kubelet's
   * device manager recorded the devices (its checkpoint names them): a pod admitted before
   * would find no {@value #RESOURCE} on the node.
   */
  static TestDevicePlugin start(Path nodeDir) throws Exception {
    writeSpec(nodeDir);
    TestDevicePlugin plugin = new TestDevicePlugin();
    try {
      awaitKubeletListens();
      plugin.serve();
      plugin.register();
      plugin.awaitKubeletHasDevices();
      return plugin;
    } catch (Exception | AssertionError e) {
      plugin.close();
      throw e;
    }
  }

  private static void writeSpec(Path nodeDir) throws IOException {
    Path shared = Files.createDirectories(shared(nodeDir));
    Files.writeString(shared.resolve("hello"), "mounted-by-cdi\n");
    StringBuilder spec = new StringBuilder("""
        cdiVersion: 0.5.0
        kind: %s
        containerEdits:
          mounts:
          - {hostPath: %s, containerPath: %s, options: [ro, nosuid, nodev, rbind]}
        devices:
        """.formatted(RESOURCE, shared, MOUNTED));
    for (String id : DEVICES) {
      spec.append("""
          - name: %1$s
            containerEdits:
              env: [%2$s=%1$s]
              deviceNodes: [{path: %3$s, hostPath: /dev/null}]
          """.formatted(id, ENV, CONTAINER_NODE));
    }
    Files.createDirectories(cdiDir(nodeDir));
    Files.writeString(cdiDir(nodeDir).resolve("podshim-test-null.yaml"), spec);
  }

  /**
   * kubelet answers /healthz before its device manager listens, and the device manager empties
   * the plugin folder (sockets of plugins of an earlier kubelet) just before: the plugin's socket
   * is made only once kubelet's accepts connections.
   */
  private static void awaitKubeletListens() throws Exception {
    var address = java.net.UnixDomainSocketAddress.of(PLUGIN_DIR + "/kubelet.sock");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (var probe = java.nio.channels.SocketChannel.open(address)) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("kubelet's device plugin registration socket " + address + " refuses connections"
              + " 30 s after kubelet became healthy: " + e);
        }
        Thread.sleep(200);
      }
    }
  }

  private void serve() throws IOException {
    Files.deleteIfExists(socket);
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group)
        .addService(new Service()).build().start();
  }

  private void register() throws InterruptedException {
    ManagedChannel kubelet = NettyChannelBuilder.forAddress(new DomainSocketAddress(PLUGIN_DIR + "/kubelet.sock"))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    try {
      RegistrationGrpc.newBlockingStub(kubelet).withDeadlineAfter(30, TimeUnit.SECONDS)
          .register(RegisterRequest.newBuilder().setVersion("v1beta1").setEndpoint(socket.getFileName().toString())
              .setResourceName(RESOURCE).build());
    } finally {
      kubelet.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void awaitKubeletHasDevices() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String checkpoint = Files.exists(CHECKPOINT) ? Files.readString(CHECKPOINT) : "";
      if (checkpoint.contains("\"" + RESOURCE + "\"") && DEVICES.stream().allMatch(checkpoint::contains)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("kubelet did not record " + RESOURCE + "'s devices in " + CHECKPOINT + " within 30 s"
            + " of the plugin's registration; checkpoint: " + checkpoint);
      }
      Thread.sleep(200);
    }
  }

  /** Stops serving; run after kubelet stopped, so that it does not write its checkpoint again. */
  @Override
  public void close() throws Exception {
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(socket);
    if (!checkpointExisted) {
      Files.deleteIfExists(CHECKPOINT);
    }
  }

  private final class Service extends DevicePluginGrpc.DevicePluginImplBase {
    @Override
    public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> response) {
      response.onNext(DevicePluginOptions.getDefaultInstance());
      response.onCompleted();
    }

    /** Every device healthy, once; the stream stays open as long as kubelet uses the plugin. */
    @Override
    public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> response) {
      ListAndWatchResponse.Builder devices = ListAndWatchResponse.newBuilder();
      DEVICES.forEach(id -> devices.addDevices(Device.newBuilder().setID(id).setHealth("Healthy")));
      response.onNext(devices.build());
    }

    @Override
    public void getPreferredAllocation(PreferredAllocationRequest request,
        StreamObserver<PreferredAllocationResponse> response) {
      response.onNext(PreferredAllocationResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> response) {
      AllocateResponse.Builder answer = AllocateResponse.newBuilder();
      for (ContainerAllocateRequest container : request.getContainerRequestsList()) {
        ContainerAllocateResponse.Builder c = answer.addContainerResponsesBuilder();
        for (String id : container.getDevicesIdsList()) {
          allocated.add(id);
          c.addCdiDevices(CDIDevice.newBuilder().setName(RESOURCE + "=" + id));
        }
      }
      response.onNext(answer.build());
      response.onCompleted();
    }

    @Override
    public void preStartContainer(PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> response) {
      response.onNext(PreStartContainerResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}
