package dev.podshim.transport;

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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Measures and logs every call: a latency histogram (its buckets: {@code metrics.LatencyHistograms}) and an error counter tagged by operation and
 * code, and one log line per call (INFO for mutating RPCs, DEBUG for reads) with a request id,
 * the ids the request and response carry, the duration and the outcome.
 */
final class RpcObserver implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger("dev.podshim.rpc");
  static final Set<String> MUTATING = Set.of(
      "RunPodSandbox", "StopPodSandbox", "RemovePodSandbox", "UpdateRuntimeConfig",
      "CreateContainer", "StartContainer", "StopContainer", "RemoveContainer", "UpdateContainerResources",
      "UpdatePodSandboxResources", "ReopenContainerLog", "CheckpointContainer", "PullImage", "RemoveImage");
  /** Fields whose values identify what a call touched; found by name in any request or response. */
  private static final Set<String> ID_FIELDS = Set.of("pod_sandbox_id", "container_id", "image_ref", "image");

  private final MeterRegistry registry;

  RpcObserver(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String operation = call.getMethodDescriptor().getBareMethodName();
    String requestId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);
    long start = System.nanoTime();
    Map<String, String> ids = new LinkedHashMap<>();
    ServerCall<Q, R> observed = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendMessage(R message) {
        collectIds(message, ids);
        super.sendMessage(message);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        record(operation, requestId, ids, status, System.nanoTime() - start);
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener = next.startCall(observed, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        collectIds(message, ids);
        if (LOG.isDebugEnabled()) {
          LOG.atDebug().addKeyValue("request_id", requestId).addKeyValue("rpc", operation)
              .log("request {}", message);
        }
        super.onMessage(message);
      }
    };
  }

  private void record(String operation, String requestId, Map<String, String> ids, Status status, long nanos) {
    String code = status.getCode().name();
    Timer.builder("podshim.rpc.duration")
        .description("CRI call latency")
        .tags("operation", operation, "code", code)
        .register(registry)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    if (!status.isOk()) {
      Counter.builder("podshim.rpc.errors")
          .description("CRI calls that did not succeed")
          .tags("operation", operation, "code", code)
          .register(registry)
          .increment();
    }
    boolean mutating = MUTATING.contains(operation);
    LoggingEventBuilder event = mutating || (!status.isOk() && status.getCode() != Status.Code.NOT_FOUND)
        ? LOG.atInfo() : LOG.atDebug();
    event = event.addKeyValue("request_id", requestId).addKeyValue("rpc", operation);
    for (Map.Entry<String, String> id : ids.entrySet()) {
      event = event.addKeyValue(id.getKey(), id.getValue());
    }
    event = event.addKeyValue("duration_ms", String.format("%.1f", nanos / 1e6)).addKeyValue("code", code);
    if (!status.isOk()) {
      event = event.addKeyValue("error", status.getDescription());
    }
    event.log(status.isOk() ? "ok" : "failed");
  }

  private static void collectIds(Object message, Map<String, String> ids) {
    if (!(message instanceof Message m)) {
      return;
    }
    for (FieldDescriptor field : m.getDescriptorForType().getFields()) {
      if (field.getJavaType() == FieldDescriptor.JavaType.STRING && !field.isRepeated()
          && ID_FIELDS.contains(field.getName())) {
        String value = (String) m.getField(field);
        if (!value.isEmpty()) {
          ids.put(field.getName(), Inputs.logged(value));
        }
      }
    }
    collectSandboxName(m, ids);
  }

  /** RunPodSandbox carries no id, only the pod's name: log namespace/name so the line finds its pod. */
  private static void collectSandboxName(Message m, Map<String, String> ids) {
    FieldDescriptor config = m.getDescriptorForType().findFieldByName("config");
    if (config == null || config.getJavaType() != FieldDescriptor.JavaType.MESSAGE || !m.hasField(config)) {
      return;
    }
    Message cfg = (Message) m.getField(config);
    FieldDescriptor metadata = cfg.getDescriptorForType().findFieldByName("metadata");
    if (metadata == null || !cfg.hasField(metadata)) {
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
