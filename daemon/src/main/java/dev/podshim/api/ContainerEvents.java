package dev.podshim.api;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ContainerEventResponse;
import dev.podshim.cri.v1.ContainerEventType;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;
import dev.podshim.store.EntityObserver;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxStatus;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The source of GetContainerEvents, for kubelet's evented PLEG. Events come from the stores' status
 * changes, so every way a state changes (an RPC, a container or pause that exits by itself,
 * recovery) is seen: a container's CREATED, STARTED, STOPPED and DELETED, and a pod sandbox's
 * CREATED, STOPPED and DELETED under the sandbox's own id, as containerd sends them. Each event
 * carries the pod's status and its containers' statuses as they were at that moment.
 *
 * <p>A change is published on the thread that made it, so publishing never waits: each subscriber
 * has its own buffer of {@link #MAX_BUFFERED} events beyond what its connection takes, and one that
 * falls further behind is dropped with RESOURCE_EXHAUSTED (kubelet then relists and subscribes
 * again) instead of slowing the RPC that made the change.
 */
public final class ContainerEvents implements AutoCloseable {
  static final int MAX_BUFFERED = 1024;

  private final SandboxService sandboxes;
  private final ContainerService containers;
  private final int maxBuffered;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final Counter sent;
  private final Counter dropped;
  private final Counter subscribersDropped;

  private ContainerEvents(SandboxService sandboxes, ContainerService containers, int maxBuffered,
      MeterRegistry registry) {
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
    this.containers = requireNonNull(containers, "containers");
    this.maxBuffered = maxBuffered;
    Gauge.builder("podshim.events.subscribers", subscribers, Set::size)
        .description("GetContainerEvents streams open").register(registry);
    sent = Counter.builder("podshim.events.sent").description("container events sent to subscribers")
        .register(registry);
    dropped = Counter.builder("podshim.events.dropped")
        .description("container events not delivered because their subscriber fell too far behind")
        .register(registry);
    subscribersDropped = Counter.builder("podshim.events.subscribers.dropped")
        .description("GetContainerEvents streams ended because the subscriber fell too far behind")
        .register(registry);
  }

  /** Events for every change the two services' stores make from now on. */
  public static ContainerEvents watching(SandboxService sandboxes, ContainerService containers, MeterRegistry registry) {
    return watching(sandboxes, containers, MAX_BUFFERED, registry);
  }

  /** With a buffer of {@code maxBuffered} events per subscriber. */
  static ContainerEvents watching(SandboxService sandboxes, ContainerService containers, int maxBuffered,
      MeterRegistry registry) {
    ContainerEvents events = new ContainerEvents(sandboxes, containers, maxBuffered, registry);
    sandboxes.observe(events.new SandboxChanges());
    containers.observe(events.new ContainerChanges());
    return events;
  }

  /** A new subscriber; it is sent every event published from now until it cancels. */
  void subscribe(ServerCallStreamObserver<ContainerEventResponse> out) {
    Subscriber subscriber = new Subscriber(out);
    out.setOnCancelHandler(() -> {
      subscriber.cancel();
      subscribers.remove(subscriber);
    });
    out.setOnReadyHandler(subscriber::drain);
    subscribers.add(subscriber);
  }

  /** Ends every stream, so that the server's shutdown need not wait for subscribers that never leave. */
  @Override
  public void close() {
    for (Subscriber subscriber : subscribers) {
      subscriber.end(Status.UNAVAILABLE.withDescription("podshimd is shutting down"));
    }
    subscribers.clear();
  }

  private void publish(String containerId, ContainerEventType type, String sandboxId) {
    if (subscribers.isEmpty()) {
      return;
    }
    ContainerEventResponse.Builder event = ContainerEventResponse.newBuilder().setContainerId(containerId)
        .setContainerEventType(type).setCreatedAt(PlegTimestamps.next());
    Sandbox sandbox = sandboxes.find(sandboxId);
    if (sandbox != null) {
      event.setPodSandboxStatus(SandboxMapper.toStatus(sandbox, sandboxes.ips(sandbox)));
    }
    for (Container c : PodContainers.newestFirst(containers, sandboxId)) {
      event.addContainersStatuses(ContainerMapper.toStatus(c));
    }
    ContainerEventResponse built = event.build();
    for (Subscriber subscriber : subscribers) {
      subscriber.offer(built);
    }
  }

  private static @Nullable ContainerEventType containerChange(ContainerStatus before, ContainerStatus after) {
    ContainerStatus.State was = before.state();
    ContainerStatus.State is = after.state();
    if (was == is) {
      return null;
    }
    return switch (is) {
      case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
      case RUNNING -> ContainerEventType.CONTAINER_STARTED_EVENT;
      case EXITED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
      case UNKNOWN -> null;
    };
  }

  private final class ContainerChanges implements EntityObserver<Container, ContainerStatus> {
    @Override
    public void statusChanged(Container c, ContainerStatus before, ContainerStatus after) {
      ContainerEventType type = containerChange(before, after);
      if (type != null) {
        publish(c.id(), type, c.metadata().sandboxId());
      }
    }

    @Override
    public void removed(Container c) {
      if (c.status().created()) { // a create that failed was never announced
        publish(c.id(), ContainerEventType.CONTAINER_DELETED_EVENT, c.metadata().sandboxId());
      }
    }
  }

  private final class SandboxChanges implements EntityObserver<Sandbox, SandboxStatus> {
    @Override
    public void statusChanged(Sandbox s, SandboxStatus before, SandboxStatus after) {
      if (!before.ready() && after.ready()) {
        publish(s.id(), ContainerEventType.CONTAINER_CREATED_EVENT, s.id());
      } else if (before.ready() && !after.ready()) {
        publish(s.id(), ContainerEventType.CONTAINER_STOPPED_EVENT, s.id());
      }
    }

    @Override
    public void removed(Sandbox s) {
      if (s.status().created()) {
        publish(s.id(), ContainerEventType.CONTAINER_DELETED_EVENT, s.id());
      }
    }
  }

  /** One stream: what its connection cannot take yet waits here, up to {@code maxBuffered} events. */
  private final class Subscriber {
    private final ServerCallStreamObserver<ContainerEventResponse> out;
    private final ArrayDeque<ContainerEventResponse> pending = new ArrayDeque<>();
    private boolean ended;

    Subscriber(ServerCallStreamObserver<ContainerEventResponse> out) {
      this.out = out;
    }

    synchronized void offer(ContainerEventResponse event) {
      if (ended) {
        return;
      }
      if (pending.isEmpty() && out.isReady()) {
        out.onNext(event);
        sent.increment();
      } else if (pending.size() < maxBuffered) {
        pending.add(event);
      } else {
        dropped.increment(pending.size() + 1);
        subscribersDropped.increment();
        end(Status.RESOURCE_EXHAUSTED.withDescription("container events: the subscriber fell more than "
            + maxBuffered + " events behind and was dropped; list again and resubscribe"));
        subscribers.remove(this);
      }
    }

    synchronized void drain() {
      while (!ended && !pending.isEmpty() && out.isReady()) {
        out.onNext(pending.poll());
        sent.increment();
      }
    }

    synchronized void cancel() {
      ended = true;
      pending.clear();
    }

    synchronized void end(Status status) {
      if (!ended) {
        ended = true;
        pending.clear();
        out.onError(status.asRuntimeException());
      }
    }
  }
}
