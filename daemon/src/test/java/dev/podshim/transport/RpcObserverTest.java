package dev.podshim.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.cri.v1.RuntimeServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthGrpc;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RpcObserverTest {
  @ParameterizedTest
  @CsvSource({"0, 0.0", "49999, 0.0", "50000, 0.1", "1234567, 1.2", "1250000, 1.3", "999950000, 1000.0", "12000000000, 12000.0"})
  void durationHasOneDecimalAsPercentFormatPrintsIt(long nanos, String expected) {
    assertThat(RpcObserver.millis(nanos)).isEqualTo(expected).isEqualTo(String.format("%.1f", nanos / 1e6));
  }

  @Test
  void onlyUnaryMethodsRunInline() {
    Map<String, MethodDescriptor<?, ?>> methods = new HashMap<>();
    RuntimeServiceGrpc.getServiceDescriptor().getMethods().forEach(m -> methods.put(m.getFullMethodName(), m));
    HealthGrpc.getServiceDescriptor().getMethods().forEach(m -> methods.put(m.getFullMethodName(), m));
    assertThat(InlineReads.INLINE).allSatisfy(name -> {
      assertThat(methods).containsKey(name);
      assertThat(methods.get(name).getType()).isEqualTo(MethodDescriptor.MethodType.UNARY);
    });
  }
}
