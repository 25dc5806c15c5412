package dev.podshim.e2e;

import dev.podshim.cri.v1.ImageServiceGrpc;
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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * podshimd as a node runs it, seen from outside: started by the package's launcher
 * ({@code /usr/bin/podshimd} of the unpacked .deb, with the unit's {@code --config}) when the
 * build made the package, else by {@code java $PODSHIM_JVM_OPTS -jar podshimd.jar} as
 * {@code scripts/run.sh} does; a CRI client on its socket, like kubelet's.
 */
public final class Podshimd implements AutoCloseable {
  public static final Path PROJECT = Path.of(System.getProperty("user.dir")).getParent();
  public static final Path DEB = PROJECT.resolve("packaging/target/podshim_amd64.deb");

  public final Path socket;
  public final int metricsPort;
  private final List<String> command;
  private final java.util.Map<String, String> env;
  private final Path log;
  private Process process;
  private EventLoopGroup group;
  private ManagedChannel channel;
  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime;
  public ImageServiceGrpc.ImageServiceBlockingStub images;

  private Podshimd(List<String> command, java.util.Map<String, String> env, Path socket, int metricsPort, Path log) {
    this.command = command;
    this.env = env;
    this.socket = socket;
    this.metricsPort = metricsPort;
    this.log = log;
  }

  static final Path JAR = PROJECT.resolve("daemon/target/podshimd.jar");

  /** The package, when this build made it: one older than the daemon's jar is a stale one. */
  public static boolean usePackage() {
    try {
      return Files.exists(DEB) && Files.getLastModifiedTime(DEB).compareTo(Files.getLastModifiedTime(JAR)) >= 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** How it was started, for the report: "package" or "jar". */
  public static String how() {
    return usePackage() ? "package" : "jar";
  }

  /**
   * A daemon on {@code dir} (state root, socket, log) reading {@code config}; {@code flags} follow
   * the config as the unit's ExecStart line would carry them.
   */
  public static Podshimd create(Path dir, Path config, int metricsPort, List<String> flags) throws Exception {
    Path socket = dir.resolve("run/podshim.sock");
    List<String> cmd = new ArrayList<>();
    java.util.Map<String, String> env = new java.util.HashMap<>();
    if (usePackage()) {
      Path tree = dir.resolve("package");
      if (!Files.isDirectory(tree)) {
        run(List.of("dpkg-deb", "-x", DEB.toString(), tree.toString()));
      }
      // the unit's command, with the package unpacked here instead of installed in /
      cmd.add(tree.resolve("usr/bin/podshimd").toString());
      env.put("PODSHIM_HOME", tree.resolve("usr/lib/podshim").toString());
    } else {
      String flagsOfScript = run(List.of("bash", "-c", ". \"$0\" && printf %s \"$PODSHIM_JVM_OPTS\"",
          PROJECT.resolve("scripts/jvm-opts.sh").toString()));
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of(flagsOfScript.strip().split("\\s+")));
      cmd.addAll(List.of("-jar", JAR.toString()));
    }
    cmd.addAll(List.of("--config", config.toString(), "--root", dir.resolve("root").toString(),
        "--socket", socket.toString(), "--metrics-address", "127.0.0.1:" + metricsPort));
    cmd.addAll(flags);
    return new Podshimd(List.copyOf(cmd), env, socket, metricsPort, dir.resolve("podshimd.log"));
  }

  static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(command + " failed: " + out);
    }
    return out;
  }

  public Podshimd start() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    builder.environment().remove("PODSHIM_JVM_OPTS");
    process = builder.start();
    group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    images = ImageServiceGrpc.newBlockingStub(channel);
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

  public long pid() {
    return process.pid();
  }

  public List<String> command() {
    return command;
  }

  /** SIGTERM, as systemctl stop or restart sends it (KillMode=process: to the daemon alone). */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("podshimd ignored SIGTERM\n" + log());
    }
    closeClient();
    return process.exitValue();
  }

  /** kill -9: the daemon gets no chance to clean up, as after an OOM kill or a node hiccup. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    closeClient();
  }

  public String metrics() throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
  }

  /** The value of one sample line, {@code name} or {@code name{labels}}, as a number. */
  double sample(String text, String series) {
    return text.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
        .orElseThrow(() -> new AssertionError("no sample " + series + " in the scrape"));
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
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    closeClient();
  }
}
