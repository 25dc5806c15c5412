package dev.podshim.container;

import static dev.podshim.container.SpecFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.store.ContainerConfig.Env;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecCommandTest {
  @TempDir Path dir;

  /** Lists are space-separated words, "-" for empty. */
  @ParameterizedTest(name = "command={0} args={1} entrypoint={2} cmd={3} -> {4}")
  @CsvSource({
      "-,         -,        /ep,      c1 c2,  /ep c1 c2",
      "-,         a1 a2,    /ep,      c1 c2,  /ep a1 a2",
      "/cmd,      -,        /ep,      c1 c2,  /cmd",
      "/cmd x,    a1,       /ep,      c1,     /cmd x a1",
      "-,         -,        -,        /c1 c2, /c1 c2",
      "-,         /a1 a2,   -,        /c1,    /a1 a2",
      "/cmd,      a1,       -,        -,      /cmd a1",
      "-,         -,        /ep e1,   -,      /ep e1"})
  void commandsCombineTheDockerWay(String command, String args, String entrypoint, String cmd, String expected) {
    SpecFixture f = new SpecFixture(dir);
    f.command = words(command);
    f.args = words(args);
    f.entrypoint = words(entrypoint);
    f.cmd = words(cmd);
    f.program(words(expected).getFirst());

    assertThat(texts(f.spec().path("process").path("args"))).isEqualTo(words(expected));
  }

  @Test
  void nothingToRunIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.entrypoint = List.of();
    f.cmd = List.of();
    f.assertInvalid("no command specified");
  }

  @Test
  void aNulInAnArgumentIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.args = List.of("ok", "bad\0arg");
    f.assertInvalid("config.args[1]: contains a NUL byte");
  }

  @Test
  void configEnvOverridesTheImagesInPlaceAndNewKeysFollow() {
    SpecFixture f = new SpecFixture(dir);
    f.imageEnv = List.of("PATH=/opt/bin:/usr/bin", "LANG=C", "EMPTY=", "TZ=UTC");
    f.envs = List.of(new Env("TZ", "Europe/Paris"), new Env("NEW", "1"), new Env("LANG", "C.UTF-8"),
        new Env("NEW", "2"));

    assertThat(texts(f.spec().path("process").path("env"))).containsExactly(
        "PATH=/opt/bin:/usr/bin", "HOSTNAME=web-0", "LANG=C.UTF-8", "EMPTY=", "TZ=Europe/Paris", "NEW=2");
  }

  @Test
  void pathAndHostnameDefaultWhenNeitherSetsThem() {
    SpecFixture f = new SpecFixture(dir);
    f.imageEnv = List.of("A=1");
    assertThat(texts(f.spec().path("process").path("env"))).containsExactly(
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web-0", "A=1");

    f.envs = List.of(new Env("HOSTNAME", "mine"), new Env("PATH", "/bin"));
    assertThat(texts(f.spec().path("process").path("env"))).containsExactly("PATH=/bin", "HOSTNAME=mine", "A=1");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "|x|config.envs[1].key: must not be empty",
      "A=B|x|config.envs[1].key: \"A=B\" must not contain '='",
      "'A\0'|x|config.envs[1].key: contains a NUL byte",
      "A|'x\0y'|config.envs[1].value: contains a NUL byte"})
  void aBadEnvKeyOrValueIsInvalidNamingItsIndex(String key, String value, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.envs = List.of(new Env("OK", "1"), new Env(key == null ? "" : key, value));
    f.assertInvalid(message);
  }

  @ParameterizedTest
  @CsvSource({
      "/work, /img, /work",
      "'',    /img, /img",
      "'',    '',   /"})
  void theWorkingDirIsTheConfigsElseTheImagesElseRoot(String config, String image, String expected) {
    SpecFixture f = new SpecFixture(dir);
    f.workingDir = config;
    f.imageWorkingDir = image;
    assertThat(f.spec().path("process").path("cwd").asText()).isEqualTo(expected);
  }

  @Test
  void aRelativeWorkingDirIsInvalid() {
    SpecFixture f = new SpecFixture(dir);
    f.workingDir = "work";
    f.assertInvalid("config.working_dir: must be absolute");
  }

  private static List<String> words(String s) {
    return s == null || s.equals("-") ? List.of() : Arrays.asList(s.trim().split("\\s+"));
  }
}
