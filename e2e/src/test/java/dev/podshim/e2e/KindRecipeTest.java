package dev.podshim.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.podshim.config.CgroupDriver;
import dev.podshim.config.ConfigLoader;
import dev.podshim.config.DaemonConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What e2e/kind uses, checked here where Docker and kind are not: the cluster config hands kubelet
 * podshim's socket, the node's podshim.toml is one podshimd accepts and matches kind's kubelet,
 * the node image installs the package this build makes, and the scripts parse.
 */
class KindRecipeTest {
  private static final Path KIND = Podshimd.PROJECT.resolve("e2e/kind");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static String defaultSocket() throws Exception {
    return Files.readAllLines(Podshimd.PROJECT.resolve("systemd/podshim.toml")).stream()
        .filter(l -> l.startsWith("socket = ")).findFirst().orElseThrow().replaceAll("socket = \"(.*)\"", "$1");
  }

  @Test
  void theClusterConfigRegistersEveryNodeWithPodshimsSocketOnTheRecipesImage() throws Exception {
    JsonNode cluster = YAML.readTree(KIND.resolve("kind-config.yaml").toFile());
    assertThat(cluster.path("kind").asText()).isEqualTo("Cluster");
    String runScript = Files.readString(KIND.resolve("run.sh"));
    List<String> images = new ArrayList<>();
    cluster.path("nodes").forEach(n -> images.add(n.path("image").asText()));
    assertThat(images).hasSizeGreaterThanOrEqualTo(2).allSatisfy(i -> assertThat(runScript).contains("docker build -t " + i + " "));

    List<String> kinds = new ArrayList<>();
    for (JsonNode patch : cluster.path("kubeadmConfigPatches")) {
      JsonNode p = YAML.readTree(patch.asText());
      kinds.add(p.path("kind").asText());
      assertThat(p.path("nodeRegistration").path("criSocket").asText()).isEqualTo("unix://" + defaultSocket());
    }
    assertThat(kinds).containsExactlyInAnyOrder("InitConfiguration", "JoinConfiguration");
    // the package's kubelet drop-in says the same
    assertThat(Files.readString(Podshimd.PROJECT.resolve("systemd/10-podshim.conf")))
        .contains("--container-runtime-endpoint=unix://" + defaultSocket());
  }

  @Test
  void theNodesConfigIsOnePodshimdAcceptsWithKindsCgroupDriverAndKindnetsCniDir() {
    DaemonConfig config = new ConfigLoader().load(List.of("--config", KIND.resolve("podshim.toml").toString()));
    assertThat(config.cgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
    assertThat(config.cni().confDir()).isEqualTo(Path.of("/etc/cni/net.d"));
    assertThat(config.cni().binDirs()).contains(Path.of("/opt/cni/bin"));
    assertThat(config.cni().writeDefaultNetwork()).isFalse();
    assertThat(config.socket().toString()).isEqualTo("/run/podshim/podshim.sock");
  }

  @Test
  void theNodeImageInstallsThePackageThisBuildMakesAndEnablesTheUnit() throws Exception {
    String dockerfile = Files.readString(KIND.resolve("Dockerfile"));
    String pom = Files.readString(Podshimd.PROJECT.resolve("packaging/pom.xml"));
    assertThat(pom).contains("<podshim.deb>${project.build.directory}/podshim_amd64.deb</podshim.deb>");
    assertThat(dockerfile).contains("COPY podshim_amd64.deb /tmp/podshim_amd64.deb",
        "apt-get install -y --no-install-recommends /tmp/podshim_amd64.deb",
        "COPY podshim.toml /etc/podshim/podshim.toml", "systemctl enable podshim.service");
    assertThat(Files.readString(KIND.resolve("run.sh")))
        .contains("-Pdeb install", "cp packaging/target/podshim_amd64.deb \"$here/podshim_amd64.deb\"");
    // the unit the image enables is the package's: it runs the launcher with the node's config
    assertThat(Files.readString(Podshimd.PROJECT.resolve("systemd/podshim.service")))
        .contains("ExecStart=/usr/bin/podshimd --config /etc/podshim/podshim.toml");
  }

  @Test
  void theRecipesScriptsParse() throws Exception {
    assertThat(Podshimd.run(List.of("bash", "-n", KIND.resolve("run.sh").toString()))).isEmpty();
    assertThat(Podshimd.run(List.of("sh", "-n", KIND.resolve("import-images.sh").toString()))).isEmpty();
    assertThat(Files.readString(KIND.resolve("import-images.sh"))).contains("podshimd images import");
  }
}
