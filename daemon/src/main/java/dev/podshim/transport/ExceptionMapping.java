package dev.podshim.transport;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Lets handlers simply throw: an exception escaping a handler closes the call with the status
 * {@link StatusMapper} picks, instead of grpc-java's message-less UNKNOWN.
 */
final class ExceptionMapping implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } catch (RuntimeException | Error e) {
          close(call, e);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } catch (RuntimeException | Error e) {
          close(call, e);
        }
      }
    };
  }

  /** Errors too (a class that fails to load, say): INTERNAL with the cause beats a bare UNKNOWN. */
  private static void close(ServerCall<?, ?> call, Throwable e) {
    try {
      call.close(StatusMapper.toStatus(e), new Metadata());
    } catch (IllegalStateException alreadyClosed) {
      // the handler had already answered before throwing
    }
  }
}
