package dev.podshim.testing;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A gRPC marshaller of raw bytes: requests that need not be the method's protobuf, as a broken or hostile client sends. */
public final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
  public static final RawBytes MARSHALLER = new RawBytes();

  private RawBytes() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try {
      return stream.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code method} with raw bytes in and out, so any bytes can be sent to it. */
  public static MethodDescriptor<byte[], byte[]> of(MethodDescriptor<?, ?> method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(method.getType())
        .setFullMethodName(method.getFullMethodName()).setRequestMarshaller(MARSHALLER).setResponseMarshaller(MARSHALLER)
        .build();
  }

  /**
   * Sends {@code body} as the one request of {@code method} and returns the status the call closed
   * with. A stream is cancelled once its first message came (CANCELLED then means it answered); a
   * stream that stays open ends at {@code deadlineMillis} (DEADLINE_EXCEEDED).
   */
  public static Status call(Channel channel, MethodDescriptor<byte[], byte[]> method, byte[] body, long deadlineMillis)
      throws Exception {
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = channel.newCall(method,
        CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        call.cancel("enough", null);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(body);
    call.halfClose();
    return closed.get(deadlineMillis + 30_000, TimeUnit.MILLISECONDS);
  }
}
