package dev.podshim.e2e.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.e2e.Podshimd;
import dev.podshim.image.ImageTestRegistry;
import dev.podshim.testing.TestNetwork;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One node for a kubelet run: a local registry serving the suite's image under registry.k8s.io's
 * name, podshimd on a CNI network of its own, and kubelet on podshimd's socket. {@link #close}
 * removes every pod through kubelet, stops both and puts the node back as it was.
 */
final class KubeletNode implements AutoCloseable {
  static final String IMAGE = "registry.k8s.io/e2e-test-images/busybox:1.29-2";
  /** The suite's pods hold ~25 containers at most (crash-loop attempts included). */
  static final int MAX_CONTAINERS = 60;

  final Path dir;
  final Path podshimRoot;
  ImageTestRegistry registry;
  TestNetwork network;
  Podshimd podshimd;
  Kubelet kubelet;
  KubeletHostChanges hostChanges;
  private volatile String stoppedBecause;

  /** Where both logs are copied at close: {@code e2e/target/kubelet-e2e/<run>}, for CI to keep. */
  private final Path logCopies;

  private KubeletNode(Path dir, String run) {
    this.dir = dir;
    this.logCopies = Podshimd.PROJECT.resolve("e2e/target/kubelet-e2e").resolve(run);
    this.podshimRoot = dir.resolve("podshimd/root");
  }

  static KubeletNode start(Path dir, String run, Map<String, Boolean> featureGates) throws Exception {
    Kubelet.binary();
    KubeletNode node = new KubeletNode(dir, run);
    try {
      node.startAll(featureGates);
      return node;
    } catch (Throwable t) {
      try {
        node.close();
      } catch (Exception e) {
        t.addSuppressed(e);
      }
      throw t;
    }
  }

  private void startAll(Map<String, Boolean> featureGates) throws Exception {
    registry = ImageTestRegistry.start(dir.resolve("registry"));
    registry.pushBusybox("e2e-test-images/busybox", "1.29-2");
    network = new TestNetwork(podshimRoot);
    Path config = dir.resolve("podshim.toml");
    Files.writeString(config, """
        log_level = "info"
        cgroup_driver = "cgroupfs"
        stop_timeout_seconds = 2
        cdi_spec_dirs = ["%s"]
        [registry.mirrors."registry.k8s.io"]
        endpoints = ["http://%s"]
        """.formatted(TestDevicePlugin.cdiDir(dir), registry.host()));
    Files.createDirectories(dir.resolve("podshimd"));
    // a pod in its own user namespace reaches podshim's state root as an unprivileged id
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    podshimd = Podshimd.create(dir.resolve("podshimd"), config, Kubelet.freePort(), network.flags()).start();
    // a cgroup root of the run's own: another kubelet on this machine (cgroupRoot /bench) is left alone
    String cgroupRoot = "/podshim-e2e-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
    kubelet = new Kubelet(dir.resolve("kubelet"), podshimd.socket, cgroupRoot, featureGates);
    hostChanges = KubeletHostChanges.before(kubelet);
    kubelet.start();
    System.out.println("kubelet e2e: podshimd from the " + Podshimd.how() + ", kubelet " + Kubelet.BINARY
        + ", feature gates " + featureGates + ", cgroup root " + cgroupRoot + ", dir " + dir);
  }

  /** Fails, saying why, when kubelet had to be stopped. */
  void requireKubeletRunning() {
    if (stoppedBecause != null) {
      throw new AssertionError(stoppedBecause);
    }
  }

  List<PodSandbox> sandboxes() {
    return podshimd.runtime.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
  }

  /**
   * Polls {@code check} until it passes; past {@code timeout} fails with its last message and the
   * logs. A zero timeout checks once. Fails at once when kubelet had to be stopped.
   */
  void eventually(String what, Duration timeout, Check check) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      stopKubeletIfContainersMultiply();
      if (stoppedBecause != null) {
        throw new AssertionError(what + ": " + stoppedBecause);
      }
      try {
        check.run();
        return;
      } catch (AssertionError | IOException | StatusRuntimeException e) {
        if (System.nanoTime() >= deadline) {
          throw new AssertionError(what + " (waited " + timeout.toSeconds() + " s): " + e.getMessage()
              + "\n" + diagnostics(), e);
        }
        Thread.sleep(500);
      }
    }
  }

  /**
   * A kubelet that keeps creating containers it already has (its evented PLEG once did, for a
   * runtime whose pod status lacked the container list) would fill the node within minutes and
   * make teardown take as long: past {@link #MAX_CONTAINERS} it is stopped and the run fails.
   */
  void stopKubeletIfContainersMultiply() throws InterruptedException {
    if (stoppedBecause != null || !kubelet.running()) {
      return;
    }
    List<Container> all;
    try {
      all = podshimd.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
    } catch (StatusRuntimeException e) {
      return; // podshimd restarting: nothing to count
    }
    if (all.size() > MAX_CONTAINERS) {
      Map<String, Long> byName = all.stream().collect(Collectors.groupingBy(
          c -> c.getLabelsOrDefault("io.kubernetes.pod.name", "?") + "/" + c.getMetadata().getName(),
          TreeMap::new, Collectors.counting()));
      System.out.println("kubelet e2e: stopping kubelet, it multiplies containers\n" + diagnostics());
      stoppedBecause = "kubelet multiplied containers, so it was stopped: podshim held " + all.size()
          + " containers (pod/container: count) " + byName;
      kubelet.stop();
    }
  }

  @FunctionalInterface
  interface Check {
    void run() throws Exception;
  }

  /** What kubelet reports of every pod, and the end of kubelet's error lines and podshimd's log. */
  String diagnostics() {
    StringBuilder s = new StringBuilder("---- kubelet's pods:\n");
    try {
      KubeletPods pods = kubelet.pods();
      for (String name : pods.names()) {
        s.append(pods.get(name.substring(0, name.length() - Kubelet.NODE_NAME.length() - 1)).summary()).append('\n');
      }
    } catch (Exception e) {
      s.append("(unreadable: ").append(e).append(")\n");
    }
    s.append("---- kubelet's last error lines:\n").append(kubelet.errors(40));
    List<String> daemonLog = podshimd.log().lines().toList();
    s.append("\n---- podshimd's log, last lines:\n")
        .append(String.join("\n", daemonLog.subList(Math.max(0, daemonLog.size() - 40), daemonLog.size())));
    return s.toString();
  }

  /**
   * Removes every pod the way an operator would (manifests deleted, kubelet stops and removes
   * them), stops kubelet (SIGTERM) then podshimd, and undoes kubelet's changes to the node.
   * A pod kubelet failed to remove is removed over the CRI, so nothing outlives the run.
   */
  @Override
  public void close() throws Exception {
    List<String> problems = new ArrayList<>();
    try {
      if (kubelet != null && kubelet.running()) {
        kubelet.deleteAllManifests();
        try {
          eventually("kubelet removes every pod", Duration.ofSeconds(90),
              () -> assertThat(sandboxes()).isEmpty());
        } catch (AssertionError e) {
          problems.add(e.getMessage());
        }
      }
    } finally {
      if (kubelet != null) {
        kubelet.stop();
      }
      if (podshimd != null) {
        removeLeftPods(problems);
        podshimd.stop();
      }
      if (hostChanges != null) {
        problems.addAll(hostChanges.undo());
      }
      if (network != null) {
        network.close();
      }
      if (registry != null) {
        registry.close();
      }
      if (!problems.isEmpty()) {
        System.out.println("kubelet e2e teardown: " + String.join("\n", problems));
      }
      copyLogs();
    }
  }

  private void copyLogs() throws IOException {
    Files.createDirectories(logCopies);
    if (kubelet != null) {
      Files.writeString(logCopies.resolve("kubelet.log"), kubelet.log());
    }
    if (podshimd != null) {
      Files.writeString(logCopies.resolve("podshimd.log"), podshimd.log());
    }
  }

  /** Removes over the CRI what kubelet did not, retrying (a pod of many containers may take a few calls). */
  private void removeLeftPods(List<String> problems) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    List<PodSandbox> left = sandboxes();
    left.forEach(p -> problems.add("left by kubelet: pod sandbox " + p.getId() + " " + p.getMetadata().getName()));
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      for (PodSandbox pod : left) {
        try {
          podshimd.runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
              .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
          podshimd.runtime.withDeadlineAfter(60, TimeUnit.SECONDS)
              .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        } catch (StatusRuntimeException e) {
          Thread.sleep(500); // tried again in the next round
        }
      }
      left = sandboxes();
    }
    if (!left.isEmpty()) {
      problems.add("could not remove " + left.size() + " pod sandboxes over the CRI");
    }
  }
}
