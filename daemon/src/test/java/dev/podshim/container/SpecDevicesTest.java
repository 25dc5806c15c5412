package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podshim.store.ContainerConfig.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecDevicesTest {
  @TempDir Path dir;

  @Test
  void everythingIsDeniedUnlessAsked() {
    JsonNode linux = new SpecFixture(dir).spec().path("linux");
    assertThat(linux.path("devices").isEmpty()).isTrue();
    assertThat(linux.path("resources").path("devices").toString()).isEqualTo("[{\"allow\":false,\"access\":\"rwm\"}]");
  }

  @Test
  void aRequestedDeviceIsCreatedAndAllowed() {
    SpecFixture f = new SpecFixture(dir);
    f.devices = List.of(new Device("/dev/mynull", "/dev/null", "rw"), new Device("/dev/z", "/dev/zero", ""));
    JsonNode linux = f.spec().path("linux");

    assertThat(linux.path("devices").toString()).isEqualTo(
        "[{\"path\":\"/dev/mynull\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":0},"
            + "{\"path\":\"/dev/z\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":0,\"gid\":0}]");
    assertThat(linux.path("resources").path("devices").toString()).isEqualTo("[{\"allow\":false,\"access\":\"rwm\"},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]");
  }

  @Test
  void aSymlinkToADeviceIsThatDevice() throws IOException {
    SpecFixture f = new SpecFixture(dir);
    Path link = Files.createSymbolicLink(dir.resolve("null-link"), Path.of("/dev/null"));
    f.devices = List.of(new Device("/dev/n", link.toString(), "r"));
    assertThat(f.spec().path("linux").path("devices").get(0).path("minor").asInt()).isEqualTo(3);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/dev/x|/dev/null|rwx|config.devices[0].permissions: \"rwx\" is not a combination of r, w and m",
      "/dev/x|/dev/null|read|config.devices[0].permissions",
      "/dev/x|/nonexistent/dev|r|config.devices[0].host_path: /nonexistent/dev does not exist",
      "/dev/x|/etc/hostname|r|config.devices[0].host_path: /etc/hostname is not a character or block device",
      "dev/x|/dev/null|r|config.devices[0].container_path: must be absolute",
      "/dev/x|null|r|config.devices[0].host_path: must be absolute"})
  void aBadDeviceIsInvalidNamingTheField(String containerPath, String hostPath, String permissions, String message) {
    SpecFixture f = new SpecFixture(dir);
    f.devices = List.of(new Device(containerPath, hostPath, permissions));
    f.assertInvalid(message);
  }

  @Test
  void aDirectoryIsNotADevice() {
    SpecFixture f = new SpecFixture(dir);
    f.devices = List.of(new Device("/dev/x", dir.toString(), "r"));
    f.assertInvalid("is not a character or block device");
  }

  @Test
  void privilegedGetsEveryHostDeviceButPtsShmAndMqueueAndMayUseAny() {
    SpecFixture f = new SpecFixture(dir);
    f.privileged = true;
    JsonNode linux = f.spec().path("linux");
    List<String> paths = new ArrayList<>();
    linux.path("devices").forEach(d -> paths.add(d.path("path").asText()));

    assertThat(paths).contains("/dev/null", "/dev/zero", "/dev/full").doesNotContain("/dev/console")
        .noneMatch(p -> p.startsWith("/dev/pts/") || p.startsWith("/dev/shm/") || p.startsWith("/dev/mqueue/"));
    assertThat(linux.path("resources").path("devices").toString()).isEqualTo("[{\"allow\":true,\"access\":\"rwm\"}]");
  }

  @Test
  void privilegedDevicesComeFromTheGivenDevAndTheConfigsReplaceThemByPath() throws IOException {
    SpecFixture f = new SpecFixture(dir);
    f.privileged = true;
    f.dev = Files.createDirectories(dir.resolve("dev"));
    Files.createDirectories(f.dev.resolve("pts"));
    Files.writeString(f.dev.resolve("regular"), "not a device");
    f.devices = List.of(new Device("/dev/null", "/dev/zero", "r"));
    JsonNode devices = f.spec().path("linux").path("devices");
    assertThat(devices).hasSize(1);
    assertThat(devices.get(0).path("minor").asInt()).isEqualTo(5);
  }
}
