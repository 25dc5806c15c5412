package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.podshim.config.CniConfig;
import dev.podshim.config.DaemonConfig;
import dev.podshim.errors.CriException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config discovery, podshim's default network and the NetworkReady condition. No root needed. */
class PodNetworkReadinessTest {
  private static final Path PLUGINS = Path.of("/usr/lib/cni");
  private static final String VALID = """
      {"cniVersion":"1.0.0","name":"%s","plugins":[{"type":"bridge","ipam":{"type":"host-local","subnet":"10.178.0.0/24"}}]}""";

  @TempDir Path tmp;
  Path clusterDir;
  Path root;
  Path ownDir;

  @BeforeEach
  void setUp() {
    if (!Files.isExecutable(PLUGINS.resolve("bridge")) || !Files.isExecutable(PLUGINS.resolve("portmap"))) {
      fail("CNI plugins missing in " + PLUGINS + ": install the Debian package containernetworking-plugins");
    }
    clusterDir = tmp.resolve("etc-cni-net.d");
    root = tmp.resolve("root");
    ownDir = root.resolve("cni/net.d");
  }

  private PodNetwork network(boolean writeDefault) {
    return network(writeDefault, "10.179.0.0/16");
  }

  private PodNetwork network(boolean writeDefault, String defaultSubnet) {
    DaemonConfig d = DaemonConfig.defaults();
    return PodNetwork.create(new DaemonConfig(d.socket(), root, d.metricsAddress(), d.logLevel(), d.cgroupDriver(),
        d.ociRuntime(), d.stopTimeoutSeconds(),
        new CniConfig(clusterDir, List.of(tmp.resolve("no-such-bin"), PLUGINS), writeDefault, defaultSubnet, 5),
        d.registry()), new SimpleMeterRegistry());
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  @Test
  void noConfigAnywhereIsNotReadyAndNamesBothDirectories() {
    PodNetwork.Readiness r = network(false).readiness();

    assertThat(r.ready()).isFalse();
    assertThat(r.reason()).isEqualTo("NetworkPluginNotReady");
    assertThat(r.message()).contains("no CNI network config in " + clusterDir + " or " + ownDir);
    assertThat(ownDir).doesNotExist();
  }

  @Test
  void attachWithoutANetworkIsUnavailable() {
    PodNetwork network = network(false);
    assertThatThrownBy(() -> network.attach(new PodNetwork.AttachRequest("abc", Path.of("/run/netns/none"), "p", "ns", "u",
        List.of(), java.util.Map.of(), null)))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.UNAVAILABLE))
        .hasMessageContaining("pod network not ready: no CNI network config");
  }

  @Test
  void aValidConfigWithItsPluginsIsReady() throws IOException {
    write(clusterDir.resolve("10-net.conflist"), VALID.formatted("net"));

    assertThat(network(false).readiness()).isEqualTo(new PodNetwork.Readiness(true, "", ""));
  }

  @Test
  void aMissingPluginIsNamedWithTheSearchPath() throws IOException {
    write(clusterDir.resolve("10-net.conflist"), """
        {"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge","ipam":{"type":"whereabouts"}},{"type":"cilium-cni"}]}""");

    PodNetwork.Readiness r = network(false).readiness();

    assertThat(r.ready()).isFalse();
    assertThat(r.reason()).isEqualTo("NetworkPluginNotReady");
    assertThat(r.message()).startsWith("cni plugins whereabouts, cilium-cni not found in " + tmp.resolve("no-such-bin") + ":" + PLUGINS)
        .contains(clusterDir.resolve("10-net.conflist").toString())
        .doesNotContain("install the Debian package");
  }

  @Test
  void missingStandardPluginsNameTheDebianPackage() throws IOException {
    write(clusterDir.resolve("10-net.conflist"), VALID.formatted("net"));
    PodNetwork network = new PodNetwork(new NetworkConfigLoader(clusterDir, ownDir, null),
        new PluginInvoker(List.of(tmp.resolve("empty")), Duration.ofSeconds(1)), new CniMetrics(), PodNetwork.DEL_BACKOFF);

    assertThat(network.readiness().message())
        .isEqualTo("cni plugins bridge, host-local not found in " + tmp.resolve("empty") + " (network net from "
            + clusterDir.resolve("10-net.conflist") + "); install the Debian package containernetworking-plugins");
  }

  @Test
  void anInvalidFirstConfigIsNamed() throws IOException {
    write(clusterDir.resolve("05-broken.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"x\"");
    write(clusterDir.resolve("10-net.conflist"), VALID.formatted("net"));

    PodNetwork.Readiness r = network(true).readiness();

    assertThat(r.ready()).isFalse();
    assertThat(r.message()).startsWith("CNI config file " + clusterDir.resolve("05-broken.conf") + " invalid: config is not JSON");
    assertThat(ownDir).doesNotExist();
  }

  @Test
  void theDefaultNetworkIsWrittenWhenEnabledAndNothingElseExists() throws IOException {
    PodNetwork network = network(true);

    Path file = ownDir.resolve("10-podshim.conflist");
    assertThat(file).exists();
    NetworkConfigList list = NetworkConfigList.parse(Files.readString(file));
    assertThat(list.name()).isEqualTo("podshim");
    assertThat(list.plugins().getFirst().at("/ipam/ranges/0/0/subnet").asText()).isEqualTo("10.179.0.0/16");
    assertThat(list.plugins().getFirst().at("/ipam/dataDir").asText()).isEqualTo(root.resolve("cni/ipam").toString());
    assertThat(network.readiness().ready()).isTrue();
  }

  @Test
  void theDefaultNetworkFollowsTheSettingsOfTheNextStart() throws IOException {
    Path file = ownDir.resolve("10-podshim.conflist");
    network(true, "10.179.0.0/16");

    network(true, "10.177.0.0/16");
    assertThat(NetworkConfigList.parse(Files.readString(file)).plugins().getFirst()
        .at("/ipam/ranges/0/0/subnet").asText()).isEqualTo("10.177.0.0/16");

    PodNetwork disabled = network(false);
    assertThat(file).doesNotExist();
    assertThat(disabled.readiness().ready()).isFalse();
    assertThat(disabled.readiness().message()).contains("default network is disabled");
  }

  @Test
  void anOperatorsConfigInPodshimsDirectoryIsUsedAndNotOverwritten() throws IOException {
    write(ownDir.resolve("05-mine.conflist"), VALID.formatted("mine"));

    PodNetwork network = network(true);

    assertThat(network.readiness().ready()).isTrue();
    assertThat(ownDir.resolve("10-podshim.conflist")).doesNotExist();
    assertThat(Files.readString(ownDir.resolve("05-mine.conflist"))).isEqualTo(VALID.formatted("mine"));
  }

  @Test
  void theDefaultNetworkIsNotWrittenWhenTheClusterHasAConfig() throws IOException {
    write(clusterDir.resolve("10-net.conflist"), VALID.formatted("cluster"));

    assertThat(network(true).readiness().ready()).isTrue();
    assertThat(ownDir).doesNotExist();
  }

  @Test
  void theClusterDirectoryWinsOverPodshimsOwn() throws IOException {
    write(ownDir.resolve("00-own.conflist"), VALID.formatted("own"));
    PodNetwork network = network(true);
    NetworkConfigLoader loader = new NetworkConfigLoader(clusterDir, ownDir, null);
    assertThat(loader.current().list().name()).isEqualTo("own");
    assertThat(network.readiness().ready()).isTrue();

    write(clusterDir.resolve("99-cluster.conflist"), VALID.formatted("cluster"));

    assertThat(loader.current().list().name()).isEqualTo("cluster");
  }

  @Test
  void theLexicallyFirstConfigFileIsUsedAndOtherFilesAreIgnored() throws IOException {
    write(clusterDir.resolve("00-notes.txt"), "not a config");
    write(clusterDir.resolve("20-b.conflist"), VALID.formatted("b"));
    write(clusterDir.resolve("10-a.conf"), """
        {"cniVersion":"0.4.0","name":"a","type":"bridge","ipam":{"type":"host-local","subnet":"10.178.1.0/24"}}""");
    write(clusterDir.resolve("15-c.json"), VALID.formatted("c"));

    NetworkConfigLoader.Loaded loaded = new NetworkConfigLoader(clusterDir, ownDir, null).current();

    assertThat(loaded.file()).isEqualTo(clusterDir.resolve("10-a.conf"));
    assertThat(loaded.list().name()).isEqualTo("a");
    assertThat(loaded.list().plugins()).hasSize(1);
  }

  @Test
  void aConfigDroppedInAfterStartIsPickedUpAndEditsAreSeen() throws IOException {
    PodNetwork network = network(false);
    assertThat(network.readiness().ready()).isFalse();

    Path file = clusterDir.resolve("10-addon.conflist");
    write(file, VALID.formatted("addon")); // the directory itself appears only now
    assertThat(network.readiness().ready()).isTrue();

    // an in-place edit: same directory entries, new content (mtime moved explicitly so that a
    // coarse filesystem clock cannot hide it)
    Files.writeString(file, VALID.formatted("addon").replace("\"bridge\"", "\"macvlan-nope\""));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(network.readiness().message()).contains("cni plugin macvlan-nope not found");

    Files.writeString(file, VALID.formatted("addon").replace("\"bridge\"", "\"tuning\""));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(10)));
    assertThat(network.readiness().ready()).isTrue(); // Debian ships tuning too

    Files.delete(file);
    assertThat(network.readiness().message()).contains("no CNI network config");
  }
}
