package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.testing.CriHarnessTest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A request body that is not the method's protobuf is INVALID_ARGUMENT, never UNKNOWN or INTERNAL. */
class UndecodableRequestTest extends CriHarnessTest {
  private static final MethodDescriptor.Marshaller<byte[]> RAW = dev.podshim.testing.RawBytes.MARSHALLER;

  @ParameterizedTest
  @ValueSource(strings = {"RunPodSandbox", "CreateContainer", "ExecSync", "ListContainers", "Version"})
  void garbageIsInvalidArgument(String method) {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(RuntimeServiceGrpc.SERVICE_NAME, method))
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    // field 1, wire type 2 (length-delimited), length far past the end: not a valid message
    byte[] garbage = {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01, 0x02};
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(cri.runtime.getChannel(), raw, CallOptions.DEFAULT, garbage))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(method);
        });
  }
}
