package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.testing.CriHarnessTest;
import dev.podshim.testing.HostileMessages;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every CRI method, called the way a hostile client would: an empty request, one whose every
 * field (recursively) is huge or out of range, and raw bytes that are no protobuf at all. No call
 * may answer INTERNAL or UNKNOWN, and the daemon must keep answering. Prints the code table.
 */
class EveryRpcHostileInputTest extends CriHarnessTest {
  private static final Set<Status.Code> NEVER = EnumSet.of(Status.Code.INTERNAL, Status.Code.UNKNOWN);

  enum Shape { EMPTY, HUGE_FIELDS, NEGATIVE_NUMBERS, GARBAGE }

  @Test
  void noRpcAnswersInternalOrUnknown() throws Exception {
    Map<String, Map<Shape, Status.Code>> table = new TreeMap<>();
    List<String> bad = new ArrayList<>();
    for (ServiceDescriptor service : List.of(RuntimeServiceGrpc.getServiceDescriptor(),
        ImageServiceGrpc.getServiceDescriptor())) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        var proto = ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor();
        for (Shape shape : Shape.values()) {
          byte[] body = switch (shape) {
            case EMPTY -> new byte[0];
            case HUGE_FIELDS -> HostileMessages.everyFieldSet(proto.getInputType(), false).toByteArray();
            case NEGATIVE_NUMBERS -> HostileMessages.everyFieldSet(proto.getInputType(), true).toByteArray();
            case GARBAGE -> new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 0x01};
          };
          Status.Code code = call(method, body);
          table.computeIfAbsent(method.getBareMethodName(), m -> new TreeMap<>()).put(shape, code);
          if (NEVER.contains(code)) {
            bad.add(method.getBareMethodName() + "/" + shape + " -> " + code);
          }
        }
      }
    }
    StringBuilder report = new StringBuilder("method | empty | huge | negative | garbage\n");
    table.forEach((m, codes) -> report.append(m).append(" | ").append(codes.get(Shape.EMPTY)).append(" | ")
        .append(codes.get(Shape.HUGE_FIELDS)).append(" | ").append(codes.get(Shape.NEGATIVE_NUMBERS)).append(" | ")
        .append(codes.get(Shape.GARBAGE)).append('\n'));
    System.out.println(report);
    assertThat(bad).as("calls answering INTERNAL or UNKNOWN:\n%s", report).isEmpty();
    assertThat(cri.runtime.version(dev.podshim.cri.v1.VersionRequest.getDefaultInstance()).getRuntimeName())
        .as("still serving").isEqualTo("podshim");
  }

  private Status.Code call(MethodDescriptor<?, ?> method, byte[] body) throws Exception {
    MethodDescriptor<byte[], byte[]> raw = dev.podshim.testing.RawBytes.of(method);
    // a stream of events stays open until the client leaves: its deadline ends it (DEADLINE_EXCEEDED)
    long millis = method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING ? 1_000 : 20_000;
    Status status = dev.podshim.testing.RawBytes.call(cri.runtime.getChannel(), raw, body, millis);
    // a stream we cancelled after its first message was answered
    return status.getCode() == Status.Code.CANCELLED ? Status.Code.OK : status.getCode();
  }
}
