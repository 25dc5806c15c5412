package dev.podshim.api;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.function.Function;

/**
 * Answers a Stream* call: the List* answer split into messages of at most {@value #SIZE} items
 * (the gRPC message limit stays far away however many pods), then completed. cri-api asks for
 * lists of at least one item: nothing to report is no message at all, just the end of the stream.
 */
final class Batches {
  static final int SIZE = 500;

  private Batches() {}

  static <T, R> void send(List<T> items, Function<List<T>, R> message, StreamObserver<R> out) {
    for (int from = 0; from < items.size(); from += SIZE) {
      out.onNext(message.apply(items.subList(from, Math.min(items.size(), from + SIZE))));
    }
    out.onCompleted();
  }
}
