package dev.podshim.api;

import io.grpc.stub.StreamObserver;

/** One CRI method: reads its request, calls one domain service, maps the result. May throw CriException. */
@FunctionalInterface
interface UnaryHandler<Q, R> {
  R handle(Q request);

  /** Answers a unary call; an exception escapes to transport's ExceptionMapping, which maps it. */
  default void respond(Q request, StreamObserver<R> out) {
    out.onNext(handle(request));
    out.onCompleted();
  }
}
