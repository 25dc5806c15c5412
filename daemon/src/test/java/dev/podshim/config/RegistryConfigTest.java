package dev.podshim.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RegistryConfigTest {
  @TempDir Path dir;

  private RegistryConfig load(String toml) throws Exception {
    Path file = dir.resolve("podshim.toml");
    Files.writeString(file, toml);
    return new ConfigLoader(dir.resolve("absent.toml")).load(List.of("--config", file.toString())).registry();
  }

  @Test
  void noTableMeansEmpty() throws Exception {
    assertThat(load("root = \"/tmp/x\"\n")).isEqualTo(RegistryConfig.empty());
  }

  @Test
  void parsesMirrorsInsecureAuthAndPinned() throws Exception {
    RegistryConfig c = load("""
        [registry]
        insecure = ["myreg:5000"]
        pinned_images = ["registry.k8s.io/pause:3.10"]
        [registry.mirrors."registry.k8s.io"]
        endpoints = ["http://127.0.0.1:5000", "https://mirror.example/v2/"]
        [registry.auth."myreg:5000"]
        username = "u"
        password = "p"
        [registry.auth."other"]
        auth = "dTI6cDI="
        [registry.auth."tok.example"]
        identity_token = "refresh"
        """);
    assertThat(c.mirrorsFor("registry.k8s.io"))
        .containsExactly(URI.create("http://127.0.0.1:5000"), URI.create("https://mirror.example"));
    assertThat(c.mirrorsFor("docker.io")).isEmpty();
    assertThat(c.isInsecure("myreg:5000")).isTrue();
    assertThat(c.isInsecure("myreg")).isFalse();
    assertThat(c.credentialsFor("myreg:5000")).contains(new RegistryConfig.Credentials("u", "p", ""));
    assertThat(c.credentialsFor("other")).contains(new RegistryConfig.Credentials("u2", "p2", ""));
    assertThat(c.credentialsFor("tok.example")).contains(new RegistryConfig.Credentials("", "", "refresh"));
    assertThat(c.pinnedImages()).containsExactly("registry.k8s.io/pause:3.10");
    assertThat(c.toString()).doesNotContain("p2").doesNotContain("refresh");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[registry]\\nbogus = 1|registry.bogus: unknown key",
      "[registry]\\ninsecure = \"x\"|registry.insecure: expected a list",
      "[registry]\\ninsecure = [\"http://x\"]|registry.insecure[0]: expected a registry host",
      "[registry.mirrors.\"x\"]\\nendpoints = [\"ftp://m\"]|registry.mirrors.\"x\".endpoints[0]: expected an http",
      "[registry.mirrors.\"x\"]\\nendpoints = [\"http://m\", 3]|registry.mirrors.\"x\".endpoints[1]: expected a string",
      "[registry.mirrors.\"x\"]\\nurls = []|registry.mirrors.\"x\".urls: unknown key",
      "[registry.auth.\"x\"]\\nusername = \"u\"|registry.auth.\"x\".password: missing",
      "[registry.auth.\"x\"]\\ntoken = \"u\"|registry.auth.\"x\".token: unknown key",
      "[registry.auth.\"x\"]\\nauth = \"!!\"|registry.auth.\"x\".auth: not base64",
      "[registry]\\npinned_images = [\"\"]|registry.pinned_images[0]: empty",
  })
  void badValuesNameTheirKey(String toml, String message) {
    assertThatThrownBy(() -> load(toml.replace("\\n", "\n")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }
}
