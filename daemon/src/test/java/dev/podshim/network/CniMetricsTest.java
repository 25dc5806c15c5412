package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.config.CniConfig;
import dev.podshim.config.DaemonConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CniMetricsTest {
  @Test
  void podIpsCountEachAttachmentOnce() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CniMetrics metrics = new CniMetrics();
    metrics.bindTo(registry);

    metrics.attached("a/n/eth0", 2);
    metrics.attached("b/n/eth0", 1);
    metrics.detached("a/n/eth0");
    metrics.detached("a/n/eth0");
    assertThat(registry.get("podshim.pod.ips").gauge().value()).isEqualTo(1.0);

    metrics.replaceAll(Map.of("x/n/eth0", 1, "y/n/eth0", 2));
    assertThat(registry.get("podshim.pod.ips").gauge().value()).isEqualTo(3.0);
  }

  @Test
  void pluginRunsAreTimedAndFailuresCountedByOperationAndPlugin() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CniMetrics metrics = new CniMetrics();
    metrics.bindTo(registry);

    metrics.recordPlugin("ADD", "bridge", 5_000_000, false);
    metrics.recordPlugin("ADD", "bridge", 7_000_000, true);
    metrics.recordPlugin("DEL", "portmap", 1_000_000, false);

    assertThat(registry.get("podshim.cni.operation.duration").tags("operation", "ADD", "plugin", "bridge").timer().count())
        .isEqualTo(2);
    assertThat(registry.get("podshim.cni.operation.errors").tags("operation", "ADD", "plugin", "bridge").counter().count())
        .isEqualTo(1);
    assertThat(registry.find("podshim.cni.operation.errors").tags("operation", "DEL").counter()).isNull();
  }

  @Test
  void recoveredAttachmentsSetTheGauge(@TempDir Path tmp) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    DaemonConfig d = DaemonConfig.defaults();
    PodNetwork network = PodNetwork.create(new DaemonConfig(d.socket(), tmp, d.metricsAddress(), d.logLevel(),
        d.cgroupDriver(), d.ociRuntime(), d.stopTimeoutSeconds(),
        new CniConfig(tmp.resolve("net.d"), List.of(tmp), false, "10.180.0.0/16", 5), d.registry()), registry);
    network.recovered(List.of(attachment("s1", List.of("10.0.0.2", "fd00::2")), attachment("s2", List.of("10.0.0.3"))));
    assertThat(registry.get("podshim.pod.ips").gauge().value()).isEqualTo(3.0);
  }

  @Test
  void anAttachmentRoundTripsThroughJackson() throws Exception {
    PodNetwork.Attachment a = attachment("s1", List.of("10.0.0.2"));
    ObjectMapper mapper = new ObjectMapper();

    String json = mapper.writeValueAsString(a);

    assertThat(mapper.readValue(json, PodNetwork.Attachment.class)).isEqualTo(a);
    assertThat(mapper.readTree(json).fieldNames()).toIterable().containsExactly("networkName", "cniVersion", "ifName",
        "configJson", "resultJson", "runtimeConfigJson", "ips", "sandboxId", "netnsPath", "cniArgs");
  }

  static PodNetwork.Attachment attachment(String id, List<String> ips) {
    return new PodNetwork.Attachment("net", "1.0.0", "eth0",
        "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"bridge\"}]}",
        "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.0.0.2/24\"}]}", "{\"portMappings\":[]}", ips, id,
        "/var/lib/podshim/sandboxes/" + id + "/ns/net", "IgnoreUnknown=1");
  }
}
