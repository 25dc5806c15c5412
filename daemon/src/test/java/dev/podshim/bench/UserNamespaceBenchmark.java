package dev.podshim.bench;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.Mount;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * CreateContainer with and without a pod user namespace, side by side on one running podshimd:
 * two pods (one with {@code hostUsers: false}'s mappings), each CreateContainer followed by its
 * RemoveContainer, the two kinds alternating so that both see the same machine. Each container
 * has one volume (a bind mount, id-mapped in the user namespace). Not part of the suite (tag
 * "bench"):
 *
 * <pre>
 * ./mvnw -q -B -pl daemon surefire:test -Dtest=UserNamespaceBenchmark -Dpodshim.excludedGroups= -Dpodshim.bench=true \
 *   -Dbench.endpoints=podshim=/run/podshim-ct/podshim.sock
 * </pre>
 *
 * writes {@code daemon/target/bench/userns-report.md}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class UserNamespaceBenchmark {
  private static final String IMAGE = System.getProperty("bench.image", "registry.k8s.io/e2e-test-images/busybox:1.29-2");
  private static final int CREATES = Integer.getInteger("bench.creates", 100);
  private static final int WARMUP = Integer.getInteger("bench.warmup", 10);

  /** One pod and the container config created in it over and over. */
  private record Kind(String name, PodSandboxConfig.Builder pod, String podId, ContainerConfig.Builder container,
      List<Long> creates) {}

  private static Kind kind(CriEndpoint cri, String name, boolean withUserns, Path volume) {
    PodSandboxConfig.Builder pod = Pods.config("userns-bench-" + name);
    ContainerConfig.Builder c = Containers.config("app", IMAGE, "sleep", "1000")
        .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(volume.toString()));
    if (withUserns) {
      pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(Pods.userNamespace(3_000_000));
      c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setUsernsOptions(Pods.userNamespace(3_000_000));
    }
    String podId = cri.runtime.runPodSandbox(Pods.run(pod)).getPodSandboxId();
    return new Kind(name, pod, podId, c, new ArrayList<>());
  }

  private static long createAndRemove(CriEndpoint cri, Kind k) {
    long t0 = System.nanoTime();
    String id = cri.runtime.createContainer(Containers.create(k.podId(), k.pod(), k.container())).getContainerId();
    long took = System.nanoTime() - t0;
    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    return took;
  }

  @Test
  void measure() throws Exception {
    String socket = CriEndpoint.fromProperty("podshim=/run/podshim-ct/podshim.sock").values().iterator().next()[0];
    Path volume = Files.createTempDirectory("userns-bench-volume");
    List<Kind> kinds = new ArrayList<>();
    try (CriEndpoint cri = new CriEndpoint("podshim", socket)) {
      cri.pull(IMAGE);
      kinds.add(kind(cri, "node-users", false, volume));
      kinds.add(kind(cri, "pod-userns", true, volume));
      try {
        for (int i = 0; i < WARMUP; i++) {
          kinds.forEach(k -> createAndRemove(cri, k));
        }
        for (int i = 0; i < CREATES; i++) {
          // alternate which kind goes first, so neither always follows the other's removal
          for (int j = 0; j < kinds.size(); j++) {
            Kind k = kinds.get((i + j) % kinds.size());
            k.creates().add(createAndRemove(cri, k));
          }
        }
      } finally {
        for (Kind k : kinds) {
          cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(k.podId()).build());
          cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(k.podId()).build());
        }
      }
    }
    List<String> report = new ArrayList<>();
    report.add("| CreateContainer | p50 | p90 | p99 | max (ms, n=" + CREATES + ") |");
    report.add("|---|---|---|---|---|");
    for (Kind k : kinds) {
      long[] sorted = k.creates().stream().mapToLong(Long::longValue).toArray();
      Arrays.sort(sorted);
      report.add("| " + k.name() + " | " + BenchReport.quantileCells(sorted) + " |");
    }
    BenchReport.write("userns-report.md", report);
  }
}
