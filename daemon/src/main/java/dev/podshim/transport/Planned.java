package dev.podshim.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Map;

/**
 * CRI methods whose capability has not landed yet answer UNIMPLEMENTED naming what is missing.
 * Each entry is deleted by the change that implements the method.
 */
final class Planned implements ServerInterceptor {
  private static final String CHECKPOINT = "container checkpoint/restore is not implemented";
  private static final String POD_CHECKPOINT = "pod checkpoint/restore is not implemented";

  static final Map<String, String> MISSING = Map.ofEntries(
      Map.entry("CheckpointContainer", CHECKPOINT),
      Map.entry("CheckpointPod", POD_CHECKPOINT),
      Map.entry("RestorePod", POD_CHECKPOINT));

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    String missing = method == null ? null : MISSING.get(method);
    if (missing == null || !call.getMethodDescriptor().getServiceName().startsWith("runtime.v1.")) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNIMPLEMENTED.withDescription(method + ": " + missing + " in podshim"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
