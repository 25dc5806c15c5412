package dev.podshim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon over its unix socket (HTTP/2), fed what a broken or hostile client sends: a
 * DATA frame that is no protobuf, and 4 MB fields. Answers are INVALID_ARGUMENT with short
 * messages, no log line grows with the input, and the daemon keeps serving.
 */
class HostileClientOverSocketTest {
  private static final int MAX_LOG_LINE = 8 * 1024;
  private static final String HUGE = "a".repeat(4 << 20);
  private static final MethodDescriptor.Marshaller<byte[]> RAW = dev.podshim.testing.RawBytes.MARSHALLER;

  @TempDir Path root;

  @Test
  void garbageAndHugeFieldsGetShortInvalidArgumentsAndShortLogLines() throws Exception {
    try (DaemonProcess daemon = new DaemonProcess(root).start()) {
      MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(RuntimeServiceGrpc.SERVICE_NAME, "RunPodSandbox"))
          .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(daemon.runtime.getChannel(), raw, CallOptions.DEFAULT,
          new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01}))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT));

      var pod = Pods.config("hostile");
      pod.getMetadataBuilder().setName(HUGE);
      for (Runnable call : new Runnable[] {
          () -> daemon.runtime.runPodSandbox(Pods.run(pod)),
          () -> daemon.runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(HUGE).build()),
          // its message once echoed the whole value: trailers past the client's 8 KiB limit, INTERNAL there
          () -> daemon.runtime.updateRuntimeConfig(dev.podshim.cri.v1.UpdateRuntimeConfigRequest.newBuilder()
              .setRuntimeConfig(dev.podshim.cri.v1.RuntimeConfig.newBuilder().setNetworkConfig(
                  dev.podshim.cri.v1.NetworkConfig.newBuilder().setPodCidr(HUGE))).build())}) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).hasSizeLessThan(512);
        });
      }
      assertThat(daemon.runtime.version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("podshim");
      String longest = daemon.log().lines().max(java.util.Comparator.comparingInt(String::length)).orElse("");
      assertThat(longest.length()).as("longest daemon log line, starting %s",
          longest.substring(0, Math.min(300, longest.length()))).isLessThan(MAX_LOG_LINE);
      daemon.terminate();
    }
  }
}
