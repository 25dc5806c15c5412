package dev.podshim.container;

import static dev.podshim.container.SpecFixture.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Propagation;
import dev.podshim.store.SandboxConfig.Mode;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecMountsTest {
  @TempDir Path tmp;
  private Path dir;
  private SpecFixture f;
  private Path data;

  @BeforeEach
  void fixture() throws IOException {
    dir = tmp.toRealPath();
    f = new SpecFixture(dir);
    data = Files.createDirectories(dir.resolve("data"));
    for (String mount : List.of("private", "slave", "shared")) {
      Files.createDirectories(dir.resolve(mount).resolve("vol"));
    }
    f.mountinfo = Files.writeString(dir.resolve("mountinfo"), String.join("\n",
        "1 0 254:0 / / rw,relatime - ext4 /dev/vda rw",
        "2 1 0:40 / " + dir.resolve("slave") + " rw master:3 - tmpfs tmpfs rw",
        "3 1 0:41 / " + dir.resolve("shared") + " rw shared:4 - tmpfs tmpfs rw",
        ""));
  }

  @Test
  void defaultsThenPodFilesInContainerdsOrder() {
    assertThat(destinations()).containsExactly("/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup",
        "/dev/shm", "/etc/hosts", "/etc/resolv.conf", "/etc/hostname");
    JsonNode sys = mount("/sys");
    assertThat(sys.path("type").asText()).isEqualTo("sysfs");
    assertThat(texts(sys.path("options"))).containsExactly("nosuid", "noexec", "nodev", "ro");
    assertThat(texts(mount("/sys/fs/cgroup").path("options"))).containsExactly("nosuid", "noexec", "nodev", "relatime", "ro");
    assertThat(texts(mount("/dev/pts").path("options")))
        .containsExactly("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    assertThat(texts(mount("/dev").path("options"))).containsExactly("nosuid", "strictatime", "mode=755", "size=65536k");
    assertThat(mount("/etc/hosts").path("source").asText()).isEqualTo(dir.resolve("hosts").toString());
    assertThat(texts(mount("/etc/hosts").path("options"))).containsExactly("rbind", "rprivate", "rw");
    JsonNode shm = mount("/dev/shm");
    assertThat(shm.path("source").asText()).isEqualTo(dir.resolve("shm").toString());
    assertThat(texts(shm.path("options"))).containsExactly("rbind", "rprivate", "nosuid", "nodev", "noexec", "rw");
  }

  @Test
  void privilegedGetsWritableSysfsAndCgroupfs() {
    f.privileged = true;
    assertThat(texts(mount("/sys").path("options"))).endsWith("rw");
    assertThat(texts(mount("/sys/fs/cgroup").path("options"))).endsWith("rw");
  }

  @Test
  void aReadonlyRootfsGetsReadonlyPodFilesAndHostIpcTheHostsShm() {
    f.readonlyRootfs = true;
    f.podModes = new NamespaceModes(Mode.POD, Mode.CONTAINER, Mode.NODE, "");
    for (String file : List.of("/etc/hosts", "/etc/resolv.conf", "/etc/hostname")) {
      assertThat(texts(mount(file).path("options"))).containsExactly("rbind", "rprivate", "ro");
    }
    assertThat(mount("/dev/shm").path("source").asText()).isEqualTo("/dev/shm");
  }

  @Test
  void criMountsComeLastShallowestFirstKeepingTheirOrderOtherwise() {
    f.mounts = List.of(bind("/a/b/c", false), bind("/x", false), bind("/a/b", false), bind("/y/", false),
        bind("/a", false));
    assertThat(destinations()).endsWith("/etc/hostname", "/x", "/y", "/a", "/a/b", "/a/b/c");
    JsonNode x = mount("/x");
    assertThat(x.path("type").asText()).isEqualTo("bind");
    assertThat(x.path("source").asText()).isEqualTo(data.toString());
    assertThat(texts(x.path("options"))).containsExactly("rbind", "rprivate", "rw");
  }

  @Test
  void aCriMountReplacesADefaultAtTheSameDestination() {
    f.mounts = List.of(bind("/etc/hosts", true), bind("/sys/fs/cgroup/", false));
    List<String> destinations = destinations();
    assertThat(destinations).containsOnlyOnce("/etc/hosts", "/sys/fs/cgroup").endsWith("/etc/hosts", "/sys/fs/cgroup");
    assertThat(mount("/etc/hosts").path("source").asText()).isEqualTo(data.toString());
    assertThat(texts(mount("/etc/hosts").path("options"))).containsExactly("rbind", "rprivate", "ro");
  }

  @Test
  void aCriMountOfDevReplacesEverythingUnderDev() {
    f.mounts = List.of(bind("/dev", false));
    assertThat(destinations()).doesNotContain("/dev/pts", "/dev/mqueue", "/dev/shm").endsWith("/dev");
  }

  @Test
  void recursiveReadOnlyIsRro() {
    f.mounts = List.of(new Mount("/r", data.toString(), true, true, Propagation.PRIVATE));
    assertThat(texts(mount("/r").path("options"))).containsExactly("rbind", "rprivate", "rro");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "false|PRIVATE|config.mounts[0].recursive_read_only: needs readonly",
      "true|HOST_TO_CONTAINER|config.mounts[0].recursive_read_only: needs propagation PRIVATE, not HOST_TO_CONTAINER"})
  void recursiveReadOnlyNeedsReadonlyAndPrivate(boolean readonly, Propagation propagation, String message) {
    f.mounts = List.of(new Mount("/r", dir.resolve("shared/vol").toString(), readonly, true, propagation));
    f.assertInvalid(message);
  }

  @Test
  void aSymlinkedHostPathIsMountedFromItsRealPath() throws IOException {
    Path link = Files.createSymbolicLink(dir.resolve("link"), data);
    f.mounts = List.of(new Mount("/l", link.toString(), false, false, Propagation.PRIVATE));
    assertThat(mount("/l").path("source").asText()).isEqualTo(data.toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "data|config.mounts[1].container_path: must be absolute",
      "''|config.mounts[1].container_path: must be absolute"})
  void aRelativeContainerPathIsInvalid(String containerPath, String message) {
    f.mounts = List.of(bind("/ok", false), new Mount(containerPath, data.toString(), false, false, Propagation.PRIVATE));
    f.assertInvalid(message);
  }

  @Test
  void aMissingHostPathIsInvalidNamingIt() {
    String missing = dir.resolve("missing").toString();
    f.mounts = List.of(new Mount("/m", missing, false, false, Propagation.PRIVATE));
    f.assertInvalid("config.mounts[0].host_path: " + missing + " does not exist");
  }

  @ParameterizedTest(name = "{0} on a {1} mount")
  @CsvSource({
      "HOST_TO_CONTAINER, slave,  rslave",
      "HOST_TO_CONTAINER, shared, rslave",
      "BIDIRECTIONAL,     shared, rshared"})
  void propagationIsAllowedFromAMountThatPropagates(Propagation propagation, String mount, String option) {
    f.mounts = List.of(new Mount("/p", dir.resolve(mount).resolve("vol").toString(), false, false, propagation));
    JsonNode spec = f.spec();
    assertThat(texts(mount(spec, "/p").path("options"))).containsExactly("rbind", option, "rw");
    assertThat(spec.path("linux").path("rootfsPropagation").asText()).isEqualTo(option);
  }

  @ParameterizedTest(name = "{0} on a {1} mount")
  @CsvSource(delimiter = '|', value = {
      "HOST_TO_CONTAINER|private|on a shared or slave mount, but mount / is private",
      "BIDIRECTIONAL|private|on a shared mount, but mount / is not shared",
      "BIDIRECTIONAL|slave|is not shared"})
  void propagationFromAPrivateMountIsRefusedNamingTheMount(Propagation propagation, String mount, String message) {
    f.mounts = List.of(new Mount("/p", dir.resolve(mount).resolve("vol").toString(), false, false, propagation));
    f.assertInvalid("config.mounts[0].propagation: " + propagation);
    f.assertInvalid(message);
  }

  @Test
  void rsharedWinsOverRslaveAndNoPropagationLeavesRootfsPropagationUnset() {
    assertThat(f.spec().path("linux").has("rootfsPropagation")).isFalse();
    f.mounts = List.of(
        new Mount("/a", dir.resolve("shared/vol").toString(), false, false, Propagation.BIDIRECTIONAL),
        new Mount("/b", dir.resolve("slave/vol").toString(), false, false, Propagation.HOST_TO_CONTAINER));
    assertThat(f.spec().path("linux").path("rootfsPropagation").asText()).isEqualTo("rshared");
  }

  private Mount bind(String containerPath, boolean readonly) {
    return new Mount(containerPath, data.toString(), readonly, false, Propagation.PRIVATE);
  }

  private List<String> destinations() {
    List<String> out = new ArrayList<>();
    f.spec().path("mounts").forEach(m -> out.add(m.path("destination").asText()));
    return out;
  }

  private JsonNode mount(String destination) {
    return mount(f.spec(), destination);
  }

  private static JsonNode mount(JsonNode spec, String destination) {
    for (JsonNode m : spec.path("mounts")) {
      if (m.path("destination").asText().equals(destination)) {
        return m;
      }
    }
    throw new AssertionError("no mount at " + destination + " in " + spec.path("mounts"));
  }
}
