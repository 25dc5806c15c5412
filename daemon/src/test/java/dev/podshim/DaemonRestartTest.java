package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.config.DaemonConfig;
import dev.podshim.network.PodNetwork;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcStat;
import dev.podshim.os.Prctl;
import dev.podshim.os.TestSupport;
import dev.podshim.sandbox.Namespace;
import dev.podshim.sandbox.NamespacePins;
import dev.podshim.sandbox.PauseLauncher;
import dev.podshim.sandbox.PauseProcess;
import dev.podshim.sandbox.PauseSpec;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxMetadata;
import dev.podshim.store.SandboxStore;
import dev.podshim.testing.Children;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon process: kill -9 and SIGTERM lose no sandbox and leak nothing. */
class DaemonRestartTest {
  @TempDir Path root;
  DaemonProcess daemon;

  @BeforeAll
  static void subreaper() {
    Prctl.setChildSubreaper(); // a killed daemon's pause processes come to us, as to systemd
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null) {
      try {
        daemon.close();
        daemon = new DaemonProcess(root).start();
        for (PodSandbox p : list()) {
          daemon.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        daemon.terminate();
      } finally {
        daemon.close();
      }
    }
    Children.reapExited();
    new dev.podshim.testing.TestNetwork(root).close();
    assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
  }

  private List<PodSandbox> list() {
    return daemon.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
  }

  private Map<String, Long> pidsById() {
    return list().stream().collect(Collectors.toMap(PodSandbox::getId, p -> {
      String info = daemon.runtime.podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(p.getId()).setVerbose(true).build()).getInfoMap().get("info");
      return Long.parseLong(info.replaceAll("(?s).*\"pid\":(\\d+).*", "$1"));
    }));
  }

  @Test
  void killMinus9ThenRestartKeepsEverySandboxReadyWithTheSamePause() throws Exception {
    daemon = new DaemonProcess(root).start();
    for (String name : List.of("a", "b")) {
      daemon.runtime.runPodSandbox(Pods.run(Pods.config(name)));
    }
    daemon.runtime.runPodSandbox(Pods.run(Pods.hostNetwork("host")));
    Map<String, Long> before = pidsById();
    assertThat(before).hasSize(3);

    daemon.kill9();
    daemon = new DaemonProcess(root).start();

    assertThat(pidsById()).isEqualTo(before);
    assertThat(list()).extracting(PodSandbox::getState).containsOnly(PodSandboxState.SANDBOX_READY);
    for (long pid : before.values()) {
      try (Pidfd pidfd = Pidfd.open(pid)) {
        assertThat(pidfd.isAlive()).isTrue();
      }
    }
    // still watched after the restart: a pause that dies turns its sandbox NOTREADY
    String victim = before.keySet().iterator().next();
    try (Pidfd pidfd = Pidfd.open(before.get(victim))) {
      pidfd.signal(Pidfd.SIGKILL);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (state(victim) == PodSandboxState.SANDBOX_READY && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(state(victim)).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
  }

  private PodSandboxState state(String id) {
    return daemon.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
        .getStatus().getState();
  }

  @Test
  void sigtermExitsZeroReleasesTheSocketAndPodsKeepRunning() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.runtime.runPodSandbox(Pods.run(Pods.config("survivor")));
    long pause = pidsById().values().iterator().next();

    assertThat(daemon.terminate()).isZero();
    assertThat(daemon.socket).doesNotExist();
    assertThat(daemon.log()).contains("podshimd stopped");
    try (Pidfd pidfd = Pidfd.open(pause)) {
      assertThat(pidfd.isAlive()).isTrue();
    }

    daemon = new DaemonProcess(root).start();
    assertThat(list()).extracting(PodSandbox::getState).containsExactly(PodSandboxState.SANDBOX_READY);
  }

  @Test
  void recoveryTearsDownHalfMadeSandboxesAndKillsUnclaimedPause() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.terminate();
    Path pauseBinary = PauseLauncher.installBinary(root);
    PauseLauncher launcher = new PauseLauncher(pauseBinary);

    // a crash between spawning pause and persisting its pid: nobody claims this process
    PauseProcess orphan = launcher.launch(new PauseSpec(true, true, true, false, null, Map.of()));

    // a crash half-way through RunPodSandbox: metadata, pid and a pinned netns, but not created
    SandboxStore store = new SandboxStore(root);
    SandboxConfig config = podConfig("half");
    var half = store.create(new SandboxMetadata("f".repeat(64), "k8s_POD_half_test_u_0", config, 1, ""));
    PauseProcess halfPause = launcher.launch(new PauseSpec(true, true, true, false, null, Map.of()));
    half.updateStatus(s -> s.withPause(halfPause.pid(), halfPause.startTime()));
    NamespacePins.pin(halfPause.pid(), Namespace.NET, half.nsDir());

    // a sandbox whose recorded pid now belongs to another process (pid reuse)
    Process stranger = new ProcessBuilder("sleep", "300").start();
    try {
      var reused = store.create(new SandboxMetadata("e".repeat(64), "k8s_POD_reused_test_u_0", config, 1, ""));
      long strangerStart = ProcStat.startTime(stranger.pid()).orElseThrow();
      reused.updateStatus(s -> s.withPause(stranger.pid(), strangerStart + 1).asCreated());

      daemon = new DaemonProcess(root).start();

      assertThat(list()).extracting(PodSandbox::getId).containsExactly("e".repeat(64));
      assertThat(state("e".repeat(64))).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
      assertThat(stranger.isAlive()).as("a process that is not our pause is never killed").isTrue();
      assertThat(Files.exists(half.dir())).isFalse();
      assertThat(TestSupport.goneOrZombie(orphan.pid())).isTrue();
      assertThat(TestSupport.goneOrZombie(halfPause.pid())).isTrue();
      // the half-made sandbox's pause is unclaimed too: killed first, so its cgroups can go
      assertThat(daemon.log()).contains("torn_down=\"1\"").contains("orphans_killed=\"2\"");
    } finally {
      stranger.destroyForcibly().waitFor();
    }
  }

  @Test
  void aCrashBetweenCniAddAndPersistLeavesNoIpAndNoVeth() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.terminate();
    Path pauseBinary = PauseLauncher.installBinary(root);
    SandboxStore store = new SandboxStore(root);
    SandboxConfig config = podConfig("crash");
    String id = "c".repeat(64);
    var sandbox = store.create(new SandboxMetadata(id, "k8s_POD_crash_test_u_0", config, 1, ""));
    PauseProcess pause = new PauseLauncher(pauseBinary).launch(new PauseSpec(true, true, true, false, null, Map.of()));
    sandbox.updateStatus(s -> s.withPause(pause.pid(), pause.startTime()));
    Path netns = NamespacePins.pin(pause.pid(), Namespace.NET, sandbox.nsDir());
    dev.podshim.store.StateFile.write(sandbox.dir().resolve("network.json"), Map.of("phase", "attaching"));
    // what the daemon was doing when it died: CNI ADD, its result never persisted
    DaemonConfig d = DaemonConfig.defaults();
    DaemonConfig cfg = new DaemonConfig(d.socket(), root, "", "info", d.cgroupDriver(), d.ociRuntime(), 2,
        daemon.network.cniConfig(), d.registry());
    PodNetwork network = PodNetwork.create(cfg, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    network.attach(new PodNetwork.AttachRequest(id, netns, "crash", "test", "u", List.of(), Map.of(), null));
    assertThat(daemon.network.allocatedIps()).hasSize(1);
    assertThat(daemon.network.veths()).hasSize(1);

    daemon = new DaemonProcess(root).start();

    assertThat(list()).isEmpty();
    assertThat(daemon.network.allocatedIps()).isEmpty();
    assertThat(daemon.network.veths()).isEmpty();
    assertThat(Files.exists(sandbox.dir())).isFalse();
  }

  @Test
  void killMinus9DuringCniAddThenRestartLeavesNoIpVethCgroupOrPause() throws Exception {
    daemon = new DaemonProcess(root).start();
    Path addStarted = root.resolve("add-started");
    Path hang = daemon.network.binDir.resolve("hang");
    Files.createDirectories(hang.getParent());
    Files.writeString(hang, """
        #!/bin/sh
        [ "$CNI_COMMAND" = ADD ] || exit 0
        echo $$ > %s
        exec sleep 600
        """.formatted(addStarted));
    Files.setPosixFilePermissions(hang, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Path conf = daemon.network.confDir.resolve("10-test.conflist");
    Files.writeString(conf, Files.readString(conf).replace("{\"type\": \"portmap\"", "{\"type\": \"hang\"}, {\"type\": \"portmap\""));
    String cgroupTop = "podshim-crash-" + Long.toHexString(System.nanoTime());
    var config = Pods.config("hung");
    config.getLinuxBuilder().setCgroupParent("/" + cgroupTop + "/pod");
    var pending = java.util.concurrent.CompletableFuture.runAsync(() -> daemon.runtime.runPodSandbox(Pods.run(config)));
    TestSupport.await("CNI ADD to reach the hanging plugin",
        () -> Files.exists(addStarted) || pending.isDone());
    assertThat(pending).as("RunPodSandbox must still hang in CNI ADD").isNotDone();
    assertThat(daemon.network.allocatedIps()).hasSize(1); // bridge ran before the hang
    assertThat(NodeLeaks.cgroupDirsStartingWith(cgroupTop)).isNotEmpty();

    daemon.kill9();
    TestSupport.await("the plugin's pid", () -> readOrEmpty(addStarted).endsWith("\n"));
    long hungPlugin = Long.parseLong(readOrEmpty(addStarted).strip());
    assertThat(pending).failsWithin(java.time.Duration.ofSeconds(30));
    daemon = new DaemonProcess(root).start();

    // the new daemon killed the ADD the old one left running before it ran DEL
    assertThat(daemon.log()).contains("killed CNI plugin processes a previous daemon left running");
    assertThat(TestSupport.goneOrZombie(hungPlugin)).isTrue();
    TestSupport.killAndReap(hungPlugin); // a zombie child of this subreaper JVM

    assertThat(list()).isEmpty();
    assertThat(daemon.network.allocatedIps()).isEmpty();
    assertThat(daemon.network.veths()).isEmpty();
    assertThat(NodeLeaks.cgroupDirsStartingWith(cgroupTop)).isEmpty();
  }

  private static String readOrEmpty(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** A pod-network config as the daemon stores it, for state crafted as a crash would leave it. */
  private static SandboxConfig podConfig(String name) {
    return new SandboxConfig(new SandboxConfig.PodMetadata(name, "u", "test", 0), "", "", null,
        List.of(), Map.of(), Map.of(), "", Map.of(),
        new SandboxConfig.NamespaceModes(SandboxConfig.Mode.POD, SandboxConfig.Mode.CONTAINER, SandboxConfig.Mode.POD, ""),
        "", null);
  }



  private static final String NOTIFY_RECEIVER = """
      import socket, sys
      s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
      s.bind(sys.argv[1])
      print("bound", flush=True)
      while True:
          print(s.recv(4096).decode().replace("\\n", "|"), flush=True)
      """;

  @Test
  void tellsSystemdReadyAfterRecoveryPingsTheWatchdogAndSaysStopping() throws Exception {
    Path socket = root.resolve("notify.sock");
    Process receiver = new ProcessBuilder("python3", "-c", NOTIFY_RECEIVER, socket.toString()).start();
    try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(receiver.getInputStream()))) {
      assertThat(out.readLine()).isEqualTo("bound");
      daemon = new DaemonProcess(root).start(Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "200000"));
      assertThat(out.readLine()).startsWith("READY=1|STATUS=serving CRI on ");
      assertThat(out.readLine()).isEqualTo("WATCHDOG=1");
      assertThat(daemon.terminate()).isZero();
      String line;
      do {
        line = out.readLine();
      } while (line != null && line.equals("WATCHDOG=1"));
      assertThat(line).isEqualTo("STOPPING=1");
    } finally {
      receiver.destroyForcibly().waitFor();
    }
  }

  @Test
  void metricsEndpointServesPrometheusText() throws Exception {
    daemon = new DaemonProcess(root).start();
    daemon.runtime.runPodSandbox(Pods.run(Pods.config("metered")));
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.metricsPort + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("podshim_sandboxes{state=\"ready\"} 1.0")
        .contains("podshim_pause_processes 1.0")
        .contains("podshim_rpc_duration_seconds_bucket{code=\"OK\",operation=\"RunPodSandbox\"")
        .contains("podshim_recovery_duration_seconds_count 1")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage")
        .contains("podshim_process_resident_memory_bytes");
  }
}
