package dev.podshim.transport;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import java.util.concurrent.atomic.AtomicBoolean;

/** Answers UNAVAILABLE to every CRI call until recovery has finished; health and reflection pass. */
public final class ReadinessGate implements ServerInterceptor {
  private final AtomicBoolean ready = new AtomicBoolean();

  public void open() {
    ready.set(true);
  }

  public boolean isOpen() {
    return ready.get();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (ready.get() || HealthGrpc.SERVICE_NAME.equals(service) || ServerReflectionGrpc.SERVICE_NAME.equals(service)) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAVAILABLE.withDescription("podshimd is recovering its state; try again shortly"), new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
