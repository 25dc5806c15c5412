package dev.podshim.testing;

import dev.podshim.api.ImageServiceImpl;
import dev.podshim.api.RuntimeServiceImpl;
import dev.podshim.config.DaemonConfig;
import dev.podshim.container.ContainerService;
import dev.podshim.container.PodLifecycle;
import dev.podshim.oci.RuntimeHandlers;
import dev.podshim.store.ContainerStore;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.network.PodNetwork;
import dev.podshim.os.ExitWatcher;
import dev.podshim.os.Prctl;
import dev.podshim.sandbox.PauseLauncher;
import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.SandboxStore;
import dev.podshim.transport.GrpcServer;
import dev.podshim.transport.ReadinessGate;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's real services on a temp state root, served over grpc's in-process transport
 * through the same interceptor chain the unix socket uses.
 */
public final class CriHarness implements AutoCloseable {
  public final Path root;
  public final DaemonConfig config;
  public final SandboxService sandboxes;
  public final ContainerService containers;
  public final PodLifecycle pods;
  public final dev.podshim.image.ImageService imageService;
  public final ReadinessGate gate = new ReadinessGate();
  public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  public final RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  /** For server streams a test reads while it makes changes (GetContainerEvents). */
  public final RuntimeServiceGrpc.RuntimeServiceStub runtimeAsync;
  public final dev.podshim.api.ContainerEvents events;
  /** The real streaming server, on a free loopback port, that Exec, Attach and PortForward URLs point at. */
  public final dev.podshim.streaming.StreamingServer streaming;
  private final dev.podshim.transport.EventLoops loops = new dev.podshim.transport.EventLoops();
  public final ImageServiceGrpc.ImageServiceBlockingStub images;
  public final TestNetwork testNetwork;
  public final PodNetwork network;
  private final ExitWatcher watcher;
  private final Server server;
  private final ManagedChannel channel;

  private CriHarness(Path root, boolean open) throws Exception {
    Prctl.setChildSubreaper(); // pause processes are reparented to us, as to the daemon
    this.root = root;
    DaemonConfig d = DaemonConfig.defaults();
    this.testNetwork = new TestNetwork(root);
    this.config = new DaemonConfig(root.resolve("podshim.sock"), root, "", "info", d.cgroupDriver(), d.ociRuntime(),
        2, testNetwork.cniConfig(), d.registry())
        // the harness's own CDI directories: a test never reads (or writes) the host's /etc/cdi
        .withCdiSpecDirs(List.of(root.resolve("cdi/etc"), root.resolve("cdi/run")));
    // as the daemon does: a pod in a user namespace reaches its rootfs as an unprivileged id
    java.nio.file.Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Path pause = PauseLauncher.installBinary(root);
    this.watcher = new ExitWatcher();
    this.network = PodNetwork.create(config, registry);
    this.sandboxes = SandboxService.create(config, new SandboxStore(root), watcher, pause, network);
    sandboxes.recover(pause.getParent());
    this.imageService = dev.podshim.image.ImageService.open(root, config.registry());
    RuntimeHandlers runtimes = RuntimeHandlers.of(root, config.runtimeHandlers(), false);
    this.containers = ContainerService.create(config, new ContainerStore(root), sandboxes, imageService, runtimes,
        watcher, dev.podshim.oci.AppArmor.start(dev.podshim.oci.KernelAppArmor.host(), root.resolve("apparmor")));
    containers.recover();
    new dev.podshim.metrics.ContainerMetrics(containers).bindTo(registry);
    this.pods = new PodLifecycle(sandboxes, containers);
    this.events = dev.podshim.api.ContainerEvents.watching(sandboxes, containers, registry);
    this.streaming = new dev.podshim.streaming.StreamingServer(config.streaming(), loops,
        new dev.podshim.streaming.NodeBackend(containers, sandboxes), registry);
    streaming.start();
    List<BindableService> services = List.of(
        new RuntimeServiceImpl("test", config, network, sandboxes, containers, pods, runtimes, events, streaming, registry),
        new ImageServiceImpl(imageService));
    String name = "cri-" + UUID.randomUUID();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).executor(Executors.newVirtualThreadPerTaskExecutor());
    GrpcServer.configure(builder, services, gate, registry);
    this.server = builder.build().start();
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    this.runtimeAsync = RuntimeServiceGrpc.newStub(channel);
    this.images = ImageServiceGrpc.newBlockingStub(channel);
    if (open) {
      gate.open();
    }
  }

  public static CriHarness start(Path root) throws Exception {
    return new CriHarness(root, true);
  }

  public static CriHarness startClosed(Path root) throws Exception {
    return new CriHarness(root, false);
  }

  /** Removes every sandbox (so no pause or mount outlives the test) and stops serving. */
  @Override
  public void close() throws Exception {
    containers.list(dev.podshim.container.ContainerFilter.all()).forEach(c -> containers.remove(c.id()));
    sandboxes.list(SandboxFilter.all()).forEach(s -> sandboxes.remove(s.id()));
    events.close();
    streaming.close();
    loops.close();
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    watcher.close();
    testNetwork.close();
  }
}
