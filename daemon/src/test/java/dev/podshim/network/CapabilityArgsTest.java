package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class CapabilityArgsTest {
  private static PodNetwork.AttachRequest request(List<PodNetwork.PortMapping> ports, Map<String, String> annotations,
      PodNetwork.@Nullable Dns dns) {
    return new PodNetwork.AttachRequest("abc123", Path.of("/run/netns/x"), "web", "default", "uid-1", ports, annotations, dns);
  }

  @Test
  void portMappingsUseLowerCaseProtocolsAndSkipPortsWithoutHostPort() {
    ObjectNode args = CapabilityArgs.of(request(List.of(
        new PodNetwork.PortMapping("TCP", 80, 8080, ""),
        new PodNetwork.PortMapping("UDP", 53, 5353, "127.0.0.1"),
        new PodNetwork.PortMapping("SCTP", 9, 9009, "::1"),
        new PodNetwork.PortMapping("TCP", 443, 0, ""),
        new PodNetwork.PortMapping("", 22, 2222, "")), Map.of(), null));

    assertThat(Json.write(args.get("portMappings"))).isEqualTo("["
        + "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"},"
        + "{\"hostPort\":5353,\"containerPort\":53,\"protocol\":\"udp\",\"hostIP\":\"127.0.0.1\"},"
        + "{\"hostPort\":9009,\"containerPort\":9,\"protocol\":\"sctp\",\"hostIP\":\"::1\"},"
        + "{\"hostPort\":2222,\"containerPort\":22,\"protocol\":\"tcp\"}]");
    assertThat(args.has("bandwidth")).isFalse();
    assertThat(args.has("dns")).isFalse();
  }

  @Test
  void bandwidthAnnotationsBecomeRatesWithAnUnlimitedBurst() {
    ObjectNode args = CapabilityArgs.of(request(List.of(), Map.of("kubernetes.io/ingress-bandwidth", "10M"), null));

    assertThat(Json.write(args.get("bandwidth"))).isEqualTo("{\"ingressRate\":10000000,\"ingressBurst\":2147483647}");
  }

  @Test
  void dnsIsPassedWhenGiven() {
    ObjectNode args = CapabilityArgs.of(request(List.of(), Map.of(),
        new PodNetwork.Dns(List.of("10.96.0.10"), List.of("default.svc.cluster.local"), List.of("ndots:5"))));

    assertThat(Json.write(args.get("dns"))).isEqualTo(
        "{\"servers\":[\"10.96.0.10\"],\"searches\":[\"default.svc.cluster.local\"],\"options\":[\"ndots:5\"]}");
  }

  @Test
  void badRequestsAreInvalidArguments() {
    assertThatThrownBy(() -> CapabilityArgs.of(request(List.of(new PodNetwork.PortMapping("ICMP", 1, 1, "")), Map.of(), null)))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("port_mappings[0]: protocol \"ICMP\"");
    assertThatThrownBy(() -> CapabilityArgs.of(request(List.of(new PodNetwork.PortMapping("TCP", 0, 80, "")), Map.of(), null)))
        .hasMessageContaining("ports must be 1-65535");
    assertThatThrownBy(() -> CapabilityArgs.of(request(List.of(new PodNetwork.PortMapping("TCP", 80, 80, "host")), Map.of(), null)))
        .hasMessageContaining("host_ip \"host\"");
    assertThatThrownBy(() -> CapabilityArgs.of(request(List.of(), Map.of("kubernetes.io/egress-bandwidth", "fast"), null)))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageContaining("kubernetes.io/egress-bandwidth");
  }
}
