package dev.podshim.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.cri.v1.VersionResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built .deb ({@code -Pdeb}): what dpkg sees in it, and the daemon it ships, unpacked and
 * started through its own launcher on its own runtime, answering the CRI.
 */
class PackageIT {
  private static final Path DEB = Path.of(System.getProperty("podshim.deb", "target/podshim_amd64.deb"));
  @TempDir static Path dir;
  private static Path tree;

  @BeforeAll
  static void unpack() throws Exception {
    assertThat(DEB).as("the package (mvn -Pdeb package)").exists();
    tree = dir.resolve("tree");
    Project.Run r = Project.run(List.of("dpkg-deb", "-x", DEB.toString(), tree.toString()));
    assertThat(r.code()).as(r.output()).isZero();
  }

  private static String field(String name) throws Exception {
    Project.Run r = Project.run(List.of("dpkg-deb", "-f", DEB.toString(), name));
    assertThat(r.code()).as(r.output()).isZero();
    return r.output().strip();
  }

  @Test
  void theControlFileNamesWhatTheDaemonExecsAndTheConffile() throws Exception {
    assertThat(field("Package")).isEqualTo("podshim");
    assertThat(field("Architecture")).isEqualTo("amd64");
    assertThat(field("Version")).matches("0\\.1\\.0~\\d{14}");
    assertThat(field("Depends").split(",\\s*")).contains("runc", "conmon", "containernetworking-plugins", "iptables");
    Project.Run conffiles = Project.run(List.of("dpkg-deb", "-I", DEB.toString(), "conffiles"));
    assertThat(conffiles.output().strip()).isEqualTo("/etc/podshim/podshim.toml");
    for (String script : List.of("postinst", "prerm", "postrm")) {
      Project.Run r = Project.run(List.of("dpkg-deb", "-I", DEB.toString(), script));
      assertThat(r.code()).as(script + ": " + r.output()).isZero();
      assertThat(r.output()).startsWith("#!/bin/sh");
    }
  }

  @Test
  void theDataHoldsTheLauncherTheJarsTheRuntimeAndTheUnits() throws Exception {
    Project.Run list = Project.run(List.of("dpkg-deb", "-c", DEB.toString()));
    Map<String, String> modes = new java.util.HashMap<>();
    for (String line : list.output().lines().toList()) {
      String[] f = line.trim().split("\\s+");
      modes.put(f[f.length - 1].replaceFirst("^\\./", "/"), f[0] + " " + f[1]);
    }
    assertThat(modes).containsEntry("/usr/bin/podshimd", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/podshim/runtime/bin/java", "-rwxr-xr-x root/root")
        .containsEntry("/usr/lib/podshim/podshimd.jar", "-rw-r--r-- root/root")
        .containsEntry("/lib/systemd/system/podshim.service", "-rw-r--r-- root/root")
        .containsEntry("/lib/systemd/system/kubelet.service.d/10-podshim.conf", "-rw-r--r-- root/root")
        .containsEntry("/etc/podshim/podshim.toml", "-rw-r--r-- root/root")
        .containsKey("/usr/lib/podshim/runtime/lib/server/classes_coh.jsa");
    assertThat(modes.keySet()).noneMatch(p -> p.startsWith("/etc/systemd/") || p.startsWith("/var/"));

    // every library the jar's manifest names is shipped beside it
    try (JarFile jar = new JarFile(tree.resolve("usr/lib/podshim/podshimd.jar").toFile())) {
      String classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
      for (String lib : classPath.split("\\s+")) {
        assertThat(tree.resolve("usr/lib/podshim").resolve(lib)).as("library " + lib).isRegularFile();
      }
    }
    // the same flags as the run command and the unit: one file
    assertThat(tree.resolve("usr/lib/podshim/jvm-opts.sh")).hasSameTextualContentAs(Project.file("scripts/jvm-opts.sh"));
    assertThat(tree.resolve("lib/systemd/system/podshim.service")).hasSameTextualContentAs(Project.file("systemd/podshim.service"));
  }

  @Test
  void theRuntimeHoldsTheModulesThePomNamesAndNoMore() throws Exception {
    Project.Run r = Project.run(List.of(tree.resolve("usr/lib/podshim/runtime/bin/java").toString(), "--list-modules"));
    Set<String> modules = new TreeSet<>(r.output().lines().map(l -> l.replaceAll("@.*", "")).toList());
    String pom = Files.readString(Project.file("packaging/pom.xml"));
    String named = pom.replaceAll("(?s).*<podshim.runtime.modules>(.*?)</podshim.runtime.modules>.*", "$1");
    // the modules named and those they require (java.naming brings java.security.sasl, java.sql
    // java.transaction.xa, jdk.security.auth java.security.jgss)
    assertThat(modules).containsAll(Arrays.asList(named.split(",")))
        .doesNotContain("java.desktop", "jdk.compiler", "jdk.jshell", "java.rmi")
        .hasSizeLessThanOrEqualTo(Arrays.asList(named.split(",")).size() + 3);
  }

  @Test
  void theShippedLauncherServesTheCriOnTheShippedRuntime() throws Exception {
    Path root = dir.resolve("state");
    Path socket = dir.resolve("run/podshim.sock");
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    Path log = dir.resolve("podshimd.log");
    ProcessBuilder builder = new ProcessBuilder(tree.resolve("usr/bin/podshimd").toString(),
        "--config", tree.resolve("etc/podshim/podshim.toml").toString(),
        "--root", root.toString(), "--socket", socket.toString(), "--metrics-address", "127.0.0.1:" + metricsPort,
        "--cni-default-network", "false", "--cni-conf-dir", dir.resolve("no-cni").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("PODSHIM_HOME", tree.resolve("usr/lib/podshim").toString());
    builder.environment().remove("PODSHIM_JVM_OPTS");
    Process daemon = builder.start();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    try {
      VersionResponse version = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (version == null) {
        try {
          version = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
              .version(VersionRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
          assertThat(daemon.isAlive()).as("podshimd exited:\n" + Files.readString(log)).isTrue();
          assertThat(System.nanoTime()).as("podshimd ready within 60 s:\n" + Files.readString(log)).isLessThan(deadline);
          Thread.sleep(100);
        }
      }
      assertThat(version.getRuntimeName()).isEqualTo("podshim");

      // the JVM is the package's, with the production flags
      Path exe = Path.of("/proc", Long.toString(daemon.pid()), "exe").toRealPath();
      assertThat(exe).isEqualTo(tree.resolve("usr/lib/podshim/runtime/bin/java").toRealPath());
      String cmdline = Files.readString(Path.of("/proc", Long.toString(daemon.pid()), "cmdline")).replace('\0', ' ');
      assertThat(cmdline).contains("-XX:+UseCompactObjectHeaders", "-Xmx128m", "-jar " + tree.resolve("usr/lib/podshim/podshimd.jar"));
      // the JVM meters need jdk.management; the CDS archive made for compact headers is in use
      String metrics;
      try (HttpClient http = HttpClient.newHttpClient()) {
        metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      }
      assertThat(metrics).contains("jvm_gc_pause_seconds", "jvm_memory_used_bytes", "podshim_sandboxes", "podshim_rpc_duration_seconds_bucket");
      Project.Run share = Project.run(List.of(exe.toString(), "-XX:+UseCompactObjectHeaders", "-Xshare:on", "-version"));
      assertThat(share.output()).as(share.output()).contains("sharing");

      daemon.destroy();
      assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
      assertThat(daemon.exitValue()).as(Files.readString(log)).isIn(0, 143);
    } finally {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void purgeKeepsAStateRootThatHoldsPodsAndRemovesAnIdleOne() throws Exception {
    Project.Run extract = Project.run(List.of("dpkg-deb", "-e", DEB.toString(), tree.resolve("control").toString()));
    assertThat(extract.code()).as(extract.output()).isZero();
    String postrm = tree.resolve("control/postrm").toString();

    Path busy = dir.resolve("busy-root");
    Files.createDirectories(busy.resolve("sandboxes/3f2a"));
    Files.writeString(busy.resolve("sandboxes/3f2a/meta.json"), "{}");
    Project.Run kept = Project.run(List.of("sh", postrm, "purge"), Map.of("PODSHIM_PURGE_ROOT", busy.toString()));
    assertThat(kept.code()).as(kept.output()).isZero();
    assertThat(kept.output()).contains("purge keeps " + busy, "holds records");
    assertThat(busy.resolve("sandboxes/3f2a/meta.json")).exists();

    Path mounted = dir.resolve("mounted-root");
    Files.createDirectories(mounted.resolve("sandboxes"));
    Files.createDirectories(mounted.resolve("pin"));
    assertThat(Project.run(List.of("mount", "-t", "tmpfs", "none", mounted.resolve("pin").toString())).code()).isZero();
    try {
      Project.Run keptMounted = Project.run(List.of("sh", postrm, "purge"), Map.of("PODSHIM_PURGE_ROOT", mounted.toString()));
      assertThat(keptMounted.output()).contains("mounted below");
      assertThat(mounted.resolve("pin")).exists();
    } finally {
      Project.run(List.of("umount", mounted.resolve("pin").toString()));
    }

    Path idle = dir.resolve("idle-root");
    Files.createDirectories(idle.resolve("sandboxes"));
    Files.createDirectories(idle.resolve("images/blobs"));
    Files.writeString(idle.resolve("podshimd.lock"), "999999999\n");
    Project.Run purged = Project.run(List.of("sh", postrm, "purge"), Map.of("PODSHIM_PURGE_ROOT", idle.toString()));
    assertThat(purged.code()).as(purged.output()).isZero();
    assertThat(idle).doesNotExist();
  }
}
