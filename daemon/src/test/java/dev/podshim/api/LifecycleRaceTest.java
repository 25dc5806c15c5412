package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Stop, Remove and Status racing on one id answer OK or NOT_FOUND, never INTERNAL or UNKNOWN. */
class LifecycleRaceTest extends ContainerHarnessTest {
  private static final int SANDBOX_ROUNDS = 1000;
  private static final int CONTAINER_ROUNDS = 40;
  private static final int POD_STOP_ROUNDS = 30;

  /** Runs the calls at once (released together) and counts each answer's code. */
  private static void race(Map<Code, AtomicInteger> codes, List<Runnable> calls) throws InterruptedException {
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = calls.stream().map(call -> Thread.ofVirtual().start(() -> {
      try {
        go.await();
        call.run();
        codes.computeIfAbsent(Code.OK, c -> new AtomicInteger()).incrementAndGet();
      } catch (StatusRuntimeException e) {
        codes.computeIfAbsent(e.getStatus().getCode(), c -> new AtomicInteger()).incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    })).toList();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
  }

  @Test
  void sandboxStopRemoveAndStatusRacing() throws Exception {
    Map<Code, AtomicInteger> codes = new ConcurrentHashMap<>();
    for (int i = 0; i < SANDBOX_ROUNDS; i++) {
      String id = cri.runtime.runPodSandbox(Pods.run(Pods.hostNetwork("race-" + i))).getPodSandboxId();
      race(codes, List.of(
          () -> cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build()),
          () -> cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build()),
          () -> cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())));
    }
    assertThat(codes.keySet()).as("codes seen: %s", codes).isSubsetOf(Set.of(Code.OK, Code.NOT_FOUND));
  }

  @Test
  void containerStopRemoveAndStatusRacing() throws Exception {
    pullBusybox();
    PodSandboxConfig.Builder pod = Pods.hostNetwork("race-pod");
    String podId = runPod(pod);
    Map<Code, AtomicInteger> codes = new ConcurrentHashMap<>();
    for (int i = 0; i < CONTAINER_ROUNDS; i++) {
      String id = createAndStart(podId, pod, Containers.config("c" + i, busybox, "sleep", "1000"));
      race(codes, List.of(
          () -> cri.runtime.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build()),
          () -> cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()),
          () -> cri.runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())));
    }
    assertThat(codes.keySet()).as("codes seen: %s", codes).isSubsetOf(Set.of(Code.OK, Code.NOT_FOUND));
  }

  /**
   * Create and Start racing StopPodSandbox: runc joining the namespaces of a pause that is going,
   * or starting a container whose pod is stopping, answered INTERNAL. Now the pod's state decides:
   * FAILED_PRECONDITION (stopped) or NOT_FOUND (removed).
   */
  @Test
  void containerCreateAndStartRacingPodStop() throws Exception {
    pullBusybox();
    Map<Code, AtomicInteger> codes = new ConcurrentHashMap<>();
    Map<Code, String> examples = new ConcurrentHashMap<>();
    for (int i = 0; i < POD_STOP_ROUNDS; i++) {
      PodSandboxConfig.Builder pod = Pods.config("stop-race-" + i);
      pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
          .setPid(dev.podshim.cri.v1.NamespaceMode.POD);
      String podId = runPod(pod);
      var config = Containers.config("c", busybox, "sleep", "1000");
      config.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
          .setPid(dev.podshim.cri.v1.NamespaceMode.POD);
      race(codes, examples, List.of(
          () -> createAndStart(podId, pod, config),
          () -> cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build())));
      cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }
    assertThat(codes.keySet()).as("codes seen: %s, e.g. %s", codes, examples)
        .isSubsetOf(Set.of(Code.OK, Code.FAILED_PRECONDITION, Code.NOT_FOUND));
  }

  private static void race(Map<Code, AtomicInteger> codes, Map<Code, String> examples, List<Runnable> calls)
      throws InterruptedException {
    race(codes, calls.stream().<Runnable>map(call -> () -> {
      try {
        call.run();
      } catch (StatusRuntimeException e) {
        examples.putIfAbsent(e.getStatus().getCode(), String.valueOf(e.getStatus().getDescription()));
        throw e;
      }
    }).toList());
  }
}
