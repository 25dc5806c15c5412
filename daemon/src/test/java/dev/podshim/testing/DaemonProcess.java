package dev.podshim.testing;

import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real podshimd process (this build's classes, a JVM like the one running the tests) on a
 * temp state root, and a CRI client on its unix socket: the way kubelet sees the daemon.
 */
public final class DaemonProcess implements AutoCloseable {
  public final Path root;
  public final Path socket;
  public final int metricsPort;
  public final TestNetwork network;
  private final Path log;
  private Process process;
  private EventLoopGroup group;
  private ManagedChannel channel;
  private List<String> jvmOptions = jvmOptionsOf(System.getProperty("bench.jvmOpts", ""));
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  public dev.podshim.cri.v1.ImageServiceGrpc.ImageServiceBlockingStub images;

  public DaemonProcess(Path root) throws IOException {
    this(root, root.resolve("run/podshim.sock"));
  }

  /** A daemon on {@code root} serving {@code socket}, for tests of two daemons on one socket. */
  public DaemonProcess(Path root, Path socket) throws IOException {
    this.root = root;
    this.socket = socket;
    this.log = root.resolve("podshimd.log");
    this.network = new TestNetwork(root);
    try (ServerSocket s = new ServerSocket(0)) {
      this.metricsPort = s.getLocalPort();
    }
  }

  /**
   * The JVM flags the daemon runs with (before {@link #start}): by default the {@code bench.jvmOpts}
   * property's, through which the benchmarks pass the production flags.
   */
  public DaemonProcess jvmOptions(String flags) {
    this.jvmOptions = jvmOptionsOf(flags);
    return this;
  }

  /** The production JVM flags, as {@code scripts/jvm-opts.sh} sets them for the run command and the unit. */
  public static String productionJvmOptions() throws IOException, InterruptedException {
    Path script = Path.of("..", "scripts", "jvm-opts.sh").toAbsolutePath().normalize();
    Process shell = new ProcessBuilder("bash", "-c", ". \"$0\" && printf %s \"$PODSHIM_JVM_OPTS\"", script.toString())
        .redirectErrorStream(true).start();
    String flags = new String(shell.getInputStream().readAllBytes());
    if (shell.waitFor() != 0 || flags.isBlank()) {
      throw new IOException("could not read the JVM flags from " + script + ": " + flags);
    }
    return flags;
  }

  private static List<String> jvmOptionsOf(String flags) {
    return java.util.Arrays.stream(flags.split("\\s+")).filter(opt -> !opt.isBlank()).toList();
  }

  /** Starts the daemon and waits until it serves (UNAVAILABLE while it recovers). */
  public DaemonProcess start(String... extraArgs) throws Exception {
    return start(java.util.Map.of(), extraArgs);
  }

  /** Starts with extra environment variables, e.g. systemd's NOTIFY_SOCKET. */
  public DaemonProcess start(java.util.Map<String, String> env, String... extraArgs) throws Exception {
    Files.createDirectories(root);
    ProcessBuilder builder = new ProcessBuilder(command(extraArgs)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    process = builder.start();
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    images = dev.podshim.cri.v1.ImageServiceGrpc.newBlockingStub(channel);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        runtime.withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
        return this;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > deadline || !process.isAlive()) {
          throw new IllegalStateException("podshimd did not become ready: " + e.getStatus() + "\n" + log(), e);
        }
        Thread.sleep(50);
      }
    }
  }

  private List<String> command(String... extraArgs) {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.podshim.Main",
        "--root", root.toString(), "--socket", socket.toString(),
        "--metrics-address", "127.0.0.1:" + metricsPort, "--stop-timeout-seconds", "2"));
    cmd.addAll(network.flags());
    cmd.addAll(List.of(extraArgs));
    return cmd;
  }

  /** How a daemon that was expected to exit did: its exit code, all it printed, how long it ran. */
  public record Exit(int code, String output, Duration took) {}

  /**
   * Runs a daemon that should exit by itself (refused start-up, say) and waits for it; its output
   * goes to a file of its own, not to {@link #log()}. Throws, after killing it, if it outlives
   * {@code timeout}.
   */
  public Exit runToExit(Duration timeout, String... extraArgs) throws Exception {
    Files.createDirectories(root);
    Path output = Files.createTempFile(root, "podshimd-exit-", ".log");
    long begin = System.nanoTime();
    Process exiting = new ProcessBuilder(command(extraArgs)).redirectErrorStream(true)
        .redirectOutput(output.toFile()).start();
    try {
      if (!exiting.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exiting.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        throw new IllegalStateException("podshimd was still running after " + timeout + "\n" + Files.readString(output));
      }
      return new Exit(exiting.exitValue(), Files.readString(output), Duration.ofNanos(System.nanoTime() - begin));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** kill -9: no chance to clean anything up. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    closeClient();
  }

  /** SIGTERM; returns the exit code. */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("podshimd ignored SIGTERM\n" + log());
    }
    closeClient();
    return process.exitValue();
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private void closeClient() {
    if (channel != null) {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      channel = null;
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill9();
    }
    closeClient();
  }
}
