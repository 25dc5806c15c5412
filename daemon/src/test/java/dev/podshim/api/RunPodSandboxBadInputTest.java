package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.DNSConfig;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PortMapping;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.UserNamespace;
import dev.podshim.testing.CriHarness;
import dev.podshim.testing.NodeLeaks;
import dev.podshim.testing.Pods;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad RunPodSandbox input: INVALID_ARGUMENT naming the field, and nothing left on the node. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunPodSandboxBadInputTest {
  Path root;
  CriHarness cri;

  @BeforeAll
  void start() throws Exception {
    root = Files.createTempDirectory("podshim-bad-input");
    cri = CriHarness.start(root);
  }

  @AfterAll
  void stop() throws Exception {
    cri.close();
    dev.podshim.store.SandboxStore.deleteTree(root);
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        bad("missing metadata", c -> c.clearMetadata(), "config.metadata"),
        bad("empty name", c -> { c.getMetadataBuilder().setName(""); return c; }, "config.metadata.name"),
        bad("empty namespace", c -> { c.getMetadataBuilder().setNamespace(""); return c; }, "config.metadata.namespace"),
        bad("slash in name", c -> { c.getMetadataBuilder().setName("a/../b"); return c; }, "config.metadata.name"),
        bad("relative log dir", c -> c.setLogDirectory("../../etc"), "config.log_directory"),
        bad("log dir with dot-dot", c -> c.setLogDirectory("/var/log/pods/../../../etc"), "config.log_directory"),
        bad("log dir in /proc", c -> c.setLogDirectory("/proc/sys/kernel"), "config.log_directory"),
        bad("hostname with newline", c -> c.setHostname("evil\nhost"), "config.hostname"),
        bad("hostname path", c -> c.setHostname("../../etc/passwd"), "config.hostname"),
        bad("hostname too long", c -> c.setHostname("a".repeat(65)), "config.hostname"),
        bad("unknown sysctl", c -> { c.getLinuxBuilder().putSysctls("net.no.such.key", "1"); return c; }, "net.no.such.key"),
        bad("node sysctl", c -> { c.getLinuxBuilder().putSysctls("vm.swappiness", "1"); return c; }, "vm.swappiness"),
        bad("sysctl escaping /proc/sys", c -> { c.getLinuxBuilder().putSysctls("net/../../../etc/x", "1"); return c; }, "sysctl"),
        bad("net sysctl on host network", c -> {
          c.getLinuxBuilder().putSysctls("net.ipv4.ip_unprivileged_port_start", "1");
          c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.NODE);
          return c;
        }, "host network"),
        bad("1 MB of labels", c -> c.putLabels("big", "x".repeat(1024 * 1024)), "config.labels"),
        bad("1 MB of annotations", c -> c.putAnnotations("big", "x".repeat(1024 * 1024)), "config.annotations"),
        bad("dns server not an IP", c -> c.setDnsConfig(DNSConfig.newBuilder().addServers("evil\nnameserver 1.1.1.1")), "config.dns_config.servers"),
        bad("dns option with newline", c -> c.setDnsConfig(DNSConfig.newBuilder().addOptions("a\nb")), "config.dns_config.options"),
        bad("port out of range", c -> c.addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(70000)), "host_port"),
        bad("hostile cgroup parent", c -> { c.getLinuxBuilder().setCgroupParent("/../../etc"); return c; }, "cgroup_parent"),
        bad("network mode TARGET", c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.TARGET);
          return c;
        }, "namespace_options.network"),
        bad("pid TARGET without target", c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.TARGET);
          return c;
        }, "target_id"),
        bad("user namespace", c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
              .setUsernsOptions(UserNamespace.newBuilder().setMode(NamespaceMode.POD));
          return c;
        }, "userns_options"));
  }

  private static Arguments bad(String what, UnaryOperator<PodSandboxConfig.Builder> change, String field) {
    return Arguments.of(what, change, field);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void refusedNamingTheFieldAndLeavesNothing(String what, UnaryOperator<PodSandboxConfig.Builder> change, String field)
      throws Exception {
    PodSandboxConfig.Builder config = change.apply(Pods.config("bad-" + what.hashCode()));
    assertThatThrownBy(() -> cri.runtime.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains(field);
        });
    assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
    assertThat(Files.exists(Path.of("/etc/x"))).isFalse();
  }

  /**
   * conmon writes under a pod's log directory: inside the state root a container's log_path of
   * {@code <other pod id>/status.json} had it append log lines to another pod's status file.
   */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"root", "sandboxes", "containers/x", "parent of root",
      "link to root", "link to /proc"})
  void aLogDirectoryInOrOverPodshimsOwnDirectoriesIsRefused(String where) throws Exception {
    Path elsewhere = Files.createTempDirectory("podshim-bad-logs");
    try {
      String dir = switch (where) {
        case "root" -> root.toString();
        case "sandboxes" -> root.resolve("sandboxes").toString();
        case "containers/x" -> root.resolve("containers/x").toString();
        case "parent of root" -> root.getParent().toString();
        case "link to root" -> Files.createSymbolicLink(elsewhere.resolve("l"), root).resolve("sandboxes").toString();
        case "link to /proc" -> Files.createSymbolicLink(elsewhere.resolve("p"), Path.of("/proc/sys")).toString();
        default -> throw new IllegalArgumentException(where);
      };
      assertThatThrownBy(() -> cri.runtime.runPodSandbox(
              RunPodSandboxRequest.newBuilder().setConfig(Pods.config("logs-" + where.hashCode()).setLogDirectory(dir))
                  .build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("config.log_directory");
          });
      assertThat(NodeLeaks.of(root).empty()).as("left behind: %s", NodeLeaks.of(root)).isTrue();
    } finally {
      dev.podshim.store.SandboxStore.deleteTree(elsewhere);
    }
  }

  @ParameterizedTest(name = "runtime handler {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"kata", "../runc"})
  void unknownRuntimeHandlerIsRefused(String handler) {
    assertThatThrownBy(() -> cri.runtime.runPodSandbox(
            RunPodSandboxRequest.newBuilder().setConfig(Pods.config("h")).setRuntimeHandler(handler).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("runtime_handler");
        });
  }

  @org.junit.jupiter.api.Test
  void missingConfigIsRefused() {
    assertThatThrownBy(() -> cri.runtime.runPodSandbox(RunPodSandboxRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("config");
        });
  }
}
