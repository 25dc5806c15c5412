package dev.podshim.transport;

import io.grpc.BindableService;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request body that is not the method's protobuf an INVALID_ARGUMENT. grpc-java parses
 * requests before any interceptor sees them and answers a parse failure with a bare UNKNOWN
 * ("Application error processing RPC"); here each method's request marshaller hands such a body
 * on as an {@link Undecodable} value instead, and the call is closed with INVALID_ARGUMENT
 * naming the method before the handler runs.
 */
final class StrictRequests {
  private static final int MAX_REASON = 200;

  private StrictRequests() {}

  /** What arrived instead of a request message. */
  record Undecodable(String method, String reason) {}

  static ServerServiceDefinition wrap(BindableService service) {
    ServerServiceDefinition original = service.bindService();
    ServiceDescriptor descriptor = original.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder wrappedDescriptor = ServiceDescriptor.newBuilder(descriptor.getName())
        .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : original.getMethods()) {
      ServerMethodDefinition<?, ?> strict = strict(method);
      methods.add(strict);
      wrappedDescriptor.addMethod(strict.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(wrappedDescriptor.build());
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  private static <Q, R> ServerMethodDefinition<Object, R> strict(ServerMethodDefinition<Q, R> definition) {
    MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
    MethodDescriptor<Object, R> lenient = method.toBuilder(new Lenient<>(method), method.getResponseMarshaller())
        .build();
    ServerCallHandler<Object, R> handler = (call, headers) -> new Rejecting<>(call, method, definition, headers);
    return ServerMethodDefinition.create(lenient, handler);
  }

  /** Parses as the method's own marshaller does; a failure becomes an {@link Undecodable} value. */
  private record Lenient<Q>(MethodDescriptor<Q, ?> method) implements MethodDescriptor.Marshaller<Object> {
    @Override
    @SuppressWarnings("unchecked")
    public InputStream stream(Object value) {
      return method.getRequestMarshaller().stream((Q) value);
    }

    @Override
    public Object parse(InputStream stream) {
      try {
        return method.getRequestMarshaller().parse(stream);
      } catch (RuntimeException e) {
        String reason = String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        return new Undecodable(method.getBareMethodName(),
            reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "…" : reason);
      }
    }
  }

  /** Passes real messages to the method's handler; refuses an undecodable one and ignores the rest of the call. */
  private static final class Rejecting<Q, R> extends ServerCall.Listener<Object> {
    private final ServerCall<Object, R> call;
    private final ServerCall.Listener<Q> delegate;
    private boolean rejected;

    Rejecting(ServerCall<Object, R> call, MethodDescriptor<Q, R> method, ServerMethodDefinition<Q, R> definition,
        Metadata headers) {
      this.call = call;
      ServerCall<Q, R> typed = new SimpleForwardingServerCall<>(cast(call)) {
        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
          return method;
        }
      };
      this.delegate = definition.getServerCallHandler().startCall(typed, headers);
    }

    @SuppressWarnings("unchecked")
    private static <Q, R> ServerCall<Q, R> cast(ServerCall<Object, R> call) {
      return (ServerCall<Q, R>) (ServerCall<?, R>) call;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onMessage(Object message) {
      if (rejected) {
        return;
      }
      if (message instanceof Undecodable u) {
        rejected = true;
        call.close(Status.INVALID_ARGUMENT.withDescription(
            "request to " + u.method() + " is not a valid protobuf message: " + u.reason()), new Metadata());
        return;
      }
      delegate.onMessage((Q) message);
    }

    @Override
    public void onHalfClose() {
      if (!rejected) {
        delegate.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      delegate.onCancel();
    }

    @Override
    public void onComplete() {
      delegate.onComplete();
    }

    @Override
    public void onReady() {
      if (!rejected) {
        delegate.onReady();
      }
    }
  }
}
