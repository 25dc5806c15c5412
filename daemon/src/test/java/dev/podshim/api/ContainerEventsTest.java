package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ContainerEventResponse;
import dev.podshim.cri.v1.ContainerEventType;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ContainerStatus;
import dev.podshim.cri.v1.GetEventsRequest;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PodSandboxStatusResponse;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.testing.Containers;
import dev.podshim.testing.Pods;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** GetContainerEvents against real pods and containers: what kubelet's evented PLEG relies on. */
class ContainerEventsTest extends ContainerHarnessTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** A subscriber that reads every event as it comes. */
  private static final class Reader implements StreamObserver<ContainerEventResponse> {
    final BlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();

    @Override
    public void onNext(ContainerEventResponse event) {
      events.add(event);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    ContainerEventResponse next() throws InterruptedException {
      ContainerEventResponse event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(event).as("an event within %s", WAIT).isNotNull();
      return event;
    }
  }

  private Reader subscribe() throws Exception {
    int before = (int) cri.registry.get("podshim.events.subscribers").gauge().value();
    Reader reader = new Reader();
    cri.runtimeAsync.getContainerEvents(GetEventsRequest.getDefaultInstance(), reader);
    awaitSubscribers(before + 1);
    return reader;
  }

  private void awaitSubscribers(int n) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (cri.registry.get("podshim.events.subscribers").gauge().value() < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }

  @Test
  void twoSubscribersSeeAPodAndItsContainerFromRunToRemoveInOrder() throws Exception {
    pullBusybox();
    Reader first = subscribe();
    Reader second = subscribe();

    PodSandboxConfig.Builder pod = Pods.config("events");
    String podId = runPod(pod);
    // exits by itself: its STOPPED comes from the exit watcher, not from an RPC
    String id = createAndStart(podId, pod, Containers.config("job", busybox, "sh", "-c", "exit 4"));
    Containers.awaitState(cri.runtime, id, ContainerState.CONTAINER_EXITED, WAIT);
    cri.runtime.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());

    for (Reader reader : List.of(first, second)) {
      ContainerEventResponse podCreated = reader.next();
      assertThat(podCreated.getContainerId()).isEqualTo(podId);
      assertThat(podCreated.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
      assertThat(podCreated.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);

      ContainerEventResponse created = reader.next();
      assertThat(created.getContainerId()).isEqualTo(id);
      assertThat(created.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
      assertThat(created.getPodSandboxStatus().getId()).isEqualTo(podId);
      assertThat(created.getContainersStatusesList()).singleElement()
          .satisfies(s -> assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_CREATED));

      ContainerEventResponse started = reader.next();
      assertThat(started.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_STARTED_EVENT);
      assertThat(started.getContainersStatuses(0).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);

      ContainerEventResponse stopped = reader.next();
      assertThat(stopped.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_STOPPED_EVENT);
      assertThat(stopped.getContainersStatuses(0).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
      assertThat(stopped.getContainersStatuses(0).getExitCode()).isEqualTo(4);

      ContainerEventResponse deleted = reader.next();
      assertThat(deleted.getContainerId()).isEqualTo(id);
      assertThat(deleted.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_DELETED_EVENT);
      assertThat(deleted.getContainersStatusesList()).isEmpty();

      ContainerEventResponse podStopped = reader.next();
      assertThat(podStopped.getContainerId()).isEqualTo(podId);
      assertThat(podStopped.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_STOPPED_EVENT);
      assertThat(podStopped.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);

      ContainerEventResponse podDeleted = reader.next();
      assertThat(podDeleted.getContainerId()).isEqualTo(podId);
      assertThat(podDeleted.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_DELETED_EVENT);
      assertThat(podDeleted.hasPodSandboxStatus()).isFalse();

      assertThat(reader.events).isEmpty();
      assertThat(podStopped.getCreatedAt()).isGreaterThanOrEqualTo(podCreated.getCreatedAt());
    }
    assertThat(cri.registry.get("podshim.events.sent").counter().count()).isEqualTo(14);
  }

  /**
   * What kubelet's evented PLEG reads in place of listing a pod's containers: every container of
   * the pod and none of another's, newest first, each as ContainerStatus answers it, timed after every event
   * already sent and before any later one, in nanoseconds that never repeat.
   */
  @Test
  void podSandboxStatusCarriesEveryContainerOfThePodTimedAgainstTheEvents() throws Exception {
    pullBusybox();
    Reader reader = subscribe();
    PodSandboxConfig.Builder pod = Pods.config("pleg");
    String podId = runPod(pod);
    String running = createAndStart(podId, pod, Containers.config("server", busybox, "sleep", "1000"));
    String created = create(podId, pod, Containers.config("sidecar", busybox, "true"));
    PodSandboxConfig.Builder other = Pods.config("other");
    String otherPodId = runPod(other);
    create(otherPodId, other, Containers.config("elsewhere", busybox, "true"));
    long lastEvent = 0;
    for (int i = 0; i < 6; i++) {
      lastEvent = Math.max(lastEvent, reader.next().getCreatedAt());
    }

    PodSandboxStatusResponse response = sandboxStatus(podId);

    assertThat(response.getContainersStatusesList()).as("newest first, as kubelet lists them")
        .extracting(ContainerStatus::getId).containsExactly(created, running);
    assertThat(response.getContainersStatusesList()).filteredOn(s -> s.getId().equals(running)).singleElement()
        .isEqualTo(Containers.status(cri.runtime, running));
    assertThat(response.getTimestamp()).isGreaterThan(lastEvent);
    long previous = response.getTimestamp();
    for (int i = 0; i < 200; i++) { // many reads within one millisecond
      long timestamp = sandboxStatus(podId).getTimestamp();
      assertThat(timestamp).isGreaterThan(previous);
      previous = timestamp;
    }
    cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    ContainerEventResponse stopped = reader.next();
    assertThat(stopped.getCreatedAt()).isGreaterThan(previous);
    assertThat(stopped.getCreatedAt()).isLessThanOrEqualTo(dev.podshim.sandbox.Clock.nowNanos());
    for (String id : List.of(podId, otherPodId)) {
      cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      cri.runtime.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
  }

  private PodSandboxStatusResponse sandboxStatus(String podId) {
    return cri.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build());
  }

  @Test
  void aPauseThatDiesIsAStoppedEvent() throws Exception {
    Reader reader = subscribe();
    String podId = runPod(Pods.hostNetwork("dies"));
    assertThat(reader.next().getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
    long pid = cri.sandboxes.get(podId).status().pid();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    ContainerEventResponse stopped = reader.next();
    assertThat(stopped.getContainerId()).isEqualTo(podId);
    assertThat(stopped.getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_STOPPED_EVENT);
    assertThat(stopped.getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
  }

  @Test
  void aSubscriberThatNeverReadsIsDroppedWhileTheOthersAndTheRpcsGoOn() throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ContainerEvents small = ContainerEvents.watching(cri.sandboxes, cri.containers, 3, meters);
    GetContainerEventsHandler handler = new GetContainerEventsHandler(small);
    String name = "events-" + UUID.randomUUID();
    Server server = InProcessServerBuilder.forName(name).addService(new RuntimeServiceGrpc.RuntimeServiceImplBase() {
      @Override
      public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
        handler.respond(request, out);
      }
    }).build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      CompletableFuture<Status> stalledEnd = new CompletableFuture<>();
      RuntimeServiceGrpc.newStub(channel).getContainerEvents(GetEventsRequest.getDefaultInstance(),
          new ClientResponseObserver<GetEventsRequest, ContainerEventResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<GetEventsRequest> call) {
              call.disableAutoRequestWithInitial(0); // reads nothing, ever
            }

            @Override
            public void onNext(ContainerEventResponse value) {}

            @Override
            public void onError(Throwable t) {
              stalledEnd.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
              stalledEnd.complete(Status.OK);
            }
          });
      Reader reading = new Reader();
      RuntimeServiceGrpc.newStub(channel).getContainerEvents(GetEventsRequest.getDefaultInstance(), reading);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (meters.get("podshim.events.subscribers").gauge().value() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }

      for (int i = 0; i < 3; i++) { // 2 events each: 6, past the stalled one's buffer of 3
        String podId = runPod(Pods.hostNetwork("burst-" + i));
        cri.runtime.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      }

      assertThat(stalledEnd.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      for (int i = 0; i < 6; i++) {
        reading.next();
      }
      assertThat(reading.ended).isNotDone();
      assertThat(meters.get("podshim.events.subscribers").gauge().value()).isEqualTo(1);
      assertThat(meters.get("podshim.events.subscribers.dropped").counter().count()).isEqualTo(1);
      assertThat(meters.get("podshim.events.dropped").counter().count()).isPositive();

      small.close();
      assertThat(reading.ended.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      small.close();
      channel.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
