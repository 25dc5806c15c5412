package dev.podshim.transport;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.podshim.errors.Inputs;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Measures and logs every call: a latency histogram (its buckets: {@code metrics.LatencyHistograms})
 * and an error counter tagged by operation and
 * code, and one log line per call (INFO for mutating RPCs, DEBUG for reads) with a request id,
 * the ids the request and response carry, the duration and the outcome.
 *
 * <p>Kept cheap for the reads kubelet repeats every second: meters are registered once per
 * operation and code and then only recorded (as Micrometer's own gRPC interceptor does), and the
 * log line's fields (ids found in the messages, the formatted duration) are built only when the
 * line is logged at all.
 */
final class RpcObserver implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger("dev.podshim.rpc");
  static final Set<String> MUTATING = Set.of(
      "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "UpdateRuntimeConfig",
      "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "UpdateContainerResources",
      "UpdatePodSandboxResources", "ReopenContainerLog", "CheckpointContainer", "CheckpointPod", "RestorePod", "PullImage", "RemoveImage");
  /** Fields whose values identify what a call touched; found by name in any request or response. */
  private static final Set<String> ID_FIELDS = Set.of("pod_sandbox_id", "container_id", "image_ref", "image");
  private static final Status.Code[] CODES = Status.Code.values();

  private final MeterRegistry registry;
  private final Map<String, Operation> operations = new ConcurrentHashMap<>();

  RpcObserver(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Operation operation = operations.computeIfAbsent(call.getMethodDescriptor().getFullMethodName(),
        full -> new Operation(String.valueOf(call.getMethodDescriptor().getBareMethodName())));
    Observed<Q, R> observed = new Observed<>(call, operation);
    ServerCall.Listener<Q> listener = next.startCall(observed, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        observed.request = message;
        if (LOG.isDebugEnabled()) {
          LOG.atDebug().addKeyValue("request_id", observed.requestId()).addKeyValue("rpc", operation.name)
              .log("request {}", message);
        }
        super.onMessage(message);
      }
    };
  }

  /** One CRI method: its name, its log level when it succeeds, and its meters by code, registered at first use. */
  private final class Operation {
    final String name;
    final boolean mutating;
    private final @Nullable Timer[] timers = new Timer[CODES.length];
    private final @Nullable Counter[] errors = new Counter[CODES.length];

    Operation(String name) {
      this.name = name;
      this.mutating = MUTATING.contains(name);
    }

    Timer timer(Status.Code code) {
      Timer timer = timers[code.ordinal()];
      if (timer == null) {
        // a race registers twice: the registry returns the same meter both times
        timer = Timer.builder("podshim.rpc.duration")
            .description("CRI call latency")
            .tags("operation", name, "code", code.name())
            .register(registry);
        timers[code.ordinal()] = timer;
      }
      return timer;
    }

    Counter errors(Status.Code code) {
      Counter counter = errors[code.ordinal()];
      if (counter == null) {
        counter = Counter.builder("podshim.rpc.errors")
            .description("CRI calls that did not succeed")
            .tags("operation", name, "code", code.name())
            .register(registry);
        errors[code.ordinal()] = counter;
      }
      return counter;
    }
  }

  /** The call as the handler sees it: remembers what it needs to record and log at close. */
  private final class Observed<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final Operation operation;
    private final long start = System.nanoTime();
    private @Nullable String requestId;
    // written by the listener's and the handler's threads, read at close (a streaming call's may differ)
    volatile @Nullable Object request;
    private volatile @Nullable Object response;

    Observed(ServerCall<Q, R> call, Operation operation) {
      super(call);
      this.operation = operation;
    }

    String requestId() {
      if (requestId == null) {
        requestId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);
      }
      return requestId;
    }

    @Override
    public void sendMessage(R message) {
      response = message;
      super.sendMessage(message);
    }

    @Override
    public void close(Status status, Metadata trailers) {
      record(status, System.nanoTime() - start);
      super.close(status, trailers);
    }

    private void record(Status status, long nanos) {
      Status.Code code = status.getCode();
      operation.timer(code).record(nanos, TimeUnit.NANOSECONDS);
      if (!status.isOk()) {
        operation.errors(code).increment();
      }
      Level level = operation.mutating || (!status.isOk() && code != Status.Code.NOT_FOUND) ? Level.INFO : Level.DEBUG;
      if (!LOG.isEnabledForLevel(level)) {
        return;
      }
      LoggingEventBuilder event = LOG.atLevel(level)
          .addKeyValue("request_id", requestId()).addKeyValue("rpc", operation.name);
      Map<String, String> ids = new LinkedHashMap<>();
      collectIds(request, ids);
      collectIds(response, ids);
      for (Map.Entry<String, String> id : ids.entrySet()) {
        event = event.addKeyValue(id.getKey(), id.getValue());
      }
      event = event.addKeyValue("duration_ms", millis(nanos)).addKeyValue("code", code.name());
      if (!status.isOk()) {
        event = event.addKeyValue("error", status.getDescription());
      }
      event.log(status.isOk() ? "ok" : "failed");
    }
  }

  /** Milliseconds with one decimal, as {@code %.1f} prints them, without a Formatter. */
  static String millis(long nanos) {
    long tenths = (nanos + 50_000) / 100_000;
    return (tenths / 10) + "." + (tenths % 10);
  }

  /** Where a message type keeps the fields logged as ids; found once per type. */
  private record IdFields(List<FieldDescriptor> ids, @Nullable FieldDescriptor config) {
    static final Map<Descriptor, IdFields> BY_TYPE = new ConcurrentHashMap<>();

    static IdFields of(Descriptor type) {
      return BY_TYPE.computeIfAbsent(type, t -> {
        List<FieldDescriptor> ids = new ArrayList<>();
        for (FieldDescriptor field : t.getFields()) {
          if (field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()
              && ID_FIELDS.contains(field.getName())) {
            ids.add(field);
          }
        }
        FieldDescriptor config = t.findFieldByName("config");
        return new IdFields(List.copyOf(ids),
            config != null && config.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !config.isRepeated()
                ? config : null);
      });
    }
  }

  private static void collectIds(@Nullable Object message, Map<String, String> ids) {
    if (!(message instanceof Message m)) {
      return;
    }
    IdFields fields = IdFields.of(m.getDescriptorForType());
    for (FieldDescriptor field : fields.ids()) {
      String value = (String) m.getField(field);
      if (!value.isEmpty()) {
        ids.put(field.getName(), Inputs.logged(value));
      }
    }
    if (fields.config() != null && m.hasField(fields.config())) {
      collectSandboxName((Message) m.getField(fields.config()), ids);
    }
  }

  /** RunPodSandbox carries no id, only the pod's name: log namespace/name so the line finds its pod. */
  private static void collectSandboxName(Message cfg, Map<String, String> ids) {
    FieldDescriptor metadata = cfg.getDescriptorForType().findFieldByName("metadata");
    if (metadata == null || metadata.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !cfg.hasField(metadata)) {
      return;
    }
    Message meta = (Message) cfg.getField(metadata);
    FieldDescriptor name = meta.getDescriptorForType().findFieldByName("name");
    FieldDescriptor namespace = meta.getDescriptorForType().findFieldByName("namespace");
    if (name != null && namespace != null) {
      ids.put("pod", Inputs.logged(meta.getField(namespace) + "/" + meta.getField(name)));
    }
  }
}
