package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podshim.cdi.CdiRegistry;
import dev.podshim.store.ContainerConfig.Env;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Propagation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** CDI edits from real spec files, through the registry, applied by SpecBuilder. */
class SpecCdiTest {
  @TempDir Path dir;

  /** The fixture with the devices of {@code yaml} (kind podshim.test/dev) asked for by CDI_devices. */
  private SpecFixture withDevices(String yaml, String... devices) throws IOException {
    Path cdiDir = Files.createDirectories(dir.resolve("cdi"));
    Files.writeString(cdiDir.resolve("dev.yaml"), yaml);
    List<CdiRegistry.Request> requests = new ArrayList<>();
    for (int i = 0; i < devices.length; i++) {
      requests.add(new CdiRegistry.Request("config.CDI_devices[" + i + "].name", "podshim.test/dev=" + devices[i]));
    }
    SpecFixture f = new SpecFixture(dir);
    f.cdi = new CdiRegistry(List.of(cdiDir)).resolve(requests);
    return f;
  }

  private static String spec(String version, String devices) {
    return "cdiVersion: " + version + "\nkind: podshim.test/dev\ndevices:\n" + devices;
  }

  @Test
  void deviceNodesGetTypeAndNumbersFromTheHostAndACgroupRule() throws IOException {
    JsonNode linux = withDevices(spec("0.5.0", """
        - name: a
          containerEdits:
            deviceNodes:
            - {path: /dev/null0, hostPath: /dev/null, permissions: rw}
            - {path: /dev/zero}
            - {path: /dev/vendor, type: c, major: 240, minor: 7, permissions: none}
        """), "a").spec().path("linux");
    assertThat(linux.path("devices").toString()).isEqualTo(
        "[{\"path\":\"/dev/null0\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":438,\"uid\":0,\"gid\":0},"
            + "{\"path\":\"/dev/zero\",\"type\":\"c\",\"major\":1,\"minor\":5,\"fileMode\":438,\"uid\":0,\"gid\":0},"
            + "{\"path\":\"/dev/vendor\",\"type\":\"c\",\"major\":240,\"minor\":7,\"uid\":0,\"gid\":0}]");
    // "none" grants nothing: the vendor node exists but stays denied
    assertThat(linux.path("resources").path("devices").toString()).isEqualTo("[{\"allow\":false,\"access\":\"rwm\"},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"},"
        + "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]");
  }

  @Test
  void aDeviceNodeBelongsToTheContainersUserUnlessTheSpecSays() throws IOException {
    SpecFixture f = withDevices(spec("0.3.0", """
        - name: a
          containerEdits:
            deviceNodes: [{path: /dev/null}, {path: /dev/zero, uid: 7, gid: 8}]
        """), "a");
    f.runAsUser = 1000L;
    f.runAsGroup = 2000L;
    JsonNode devices = f.spec().path("linux").path("devices");
    assertThat(devices.get(0).path("uid").asLong()).isEqualTo(1000);
    assertThat(devices.get(0).path("gid").asLong()).isEqualTo(2000);
    assertThat(devices.get(1).path("uid").asLong()).isEqualTo(7);
    assertThat(devices.get(1).path("gid").asLong()).isEqualTo(8);
  }

  @Test
  void envOfTheSpecThenOfTheDeviceReplacingTheConfigsByName() throws IOException {
    SpecFixture f = withDevices("""
        cdiVersion: 0.3.0
        kind: podshim.test/dev
        containerEdits:
          env: [FROM_SPEC=1, SHARED=spec]
        devices:
        - name: a
          containerEdits:
            env: [SHARED=device, MODE=a]
        """, "a");
    f.envs = List.of(new Env("MODE", "config"), new Env("KEEP", "k"));
    List<String> env = SpecFixture.texts(f.spec().path("process").path("env"));
    assertThat(env).contains("MODE=a", "KEEP=k", "FROM_SPEC=1", "SHARED=device").doesNotContain("MODE=config");
    assertThat(env.stream().filter(e -> e.startsWith("SHARED="))).hasSize(1);
  }

  @Test
  void hooksAdditionalGidsAndIntelRdt() throws IOException {
    JsonNode spec = withDevices(spec("0.7.0", """
        - name: a
          containerEdits:
            hooks:
            - {hookName: createContainer, path: /usr/bin/true, args: [true, x], env: [A=1], timeout: 3}
            - {hookName: poststop, path: /usr/bin/true}
            additionalGids: [0, 44, 44, 107]
            intelRdt: {closID: podshim, l3CacheSchema: "L3:0=ff", enableMBM: true}
        """), "a").spec();
    assertThat(spec.path("hooks").toString()).isEqualTo("{\"createContainer\":[{\"path\":\"/usr/bin/true\","
        + "\"args\":[\"true\",\"x\"],\"env\":[\"A=1\"],\"timeout\":3}],\"poststop\":[{\"path\":\"/usr/bin/true\"}]}");
    assertThat(spec.path("process").path("user").path("additionalGids").toString()).isEqualTo("[0,44,107]");
    assertThat(spec.path("linux").path("intelRdt").toString())
        .isEqualTo("{\"closID\":\"podshim\",\"l3CacheSchema\":\"L3:0=ff\",\"enableMBM\":true}");
  }

  @Test
  void aBindMountIsPlacedWithTheOthersShallowestFirst() throws IOException {
    Path lib = Files.createDirectories(dir.resolve("vendor/lib"));
    Path data = Files.createDirectories(dir.resolve("data"));
    SpecFixture f = withDevices(spec("0.4.0", """
        - name: a
          containerEdits:
            mounts:
            - {hostPath: %s, containerPath: /opt/vendor/lib, options: [ro, nosuid, nodev, bind]}
            - {hostPath: tmpfs, containerPath: /opt/scratch, type: tmpfs, options: [size=1m]}
        """.formatted(lib)), "a");
    f.mounts = List.of(new Mount("/opt/vendor/lib/deep/er", data.toString(), false, false, Propagation.PRIVATE));
    List<String> destinations = new ArrayList<>();
    JsonNode mounts = f.spec().path("mounts");
    mounts.forEach(m -> destinations.add(m.path("destination").asText()));
    assertThat(destinations.indexOf("/opt/vendor/lib")).isLessThan(destinations.indexOf("/opt/vendor/lib/deep/er"));
    for (int i = 1; i < destinations.size(); i++) {
      assertThat(Path.of(destinations.get(i)).getNameCount())
          .as("mounts %s, shallowest first", destinations).isGreaterThanOrEqualTo(Path.of(destinations.get(i - 1)).getNameCount());
    }
    JsonNode vendor = find(mounts, "/opt/vendor/lib");
    assertThat(vendor.toString()).isEqualTo("{\"destination\":\"/opt/vendor/lib\",\"type\":\"bind\",\"source\":\""
        + lib.toRealPath() + "\",\"options\":[\"ro\",\"nosuid\",\"nodev\",\"bind\"]}");
    assertThat(find(mounts, "/opt/scratch").path("type").asText()).isEqualTo("tmpfs");
  }

  @Test
  void aCdiMountReplacesTheDefaultAtItsDestination() throws IOException {
    Path hosts = Files.writeString(dir.resolve("vendor-hosts"), "127.0.0.1 vendor\n");
    JsonNode mounts = withDevices(spec("0.3.0", """
        - name: a
          containerEdits:
            mounts: [{hostPath: %s, containerPath: /etc/hosts, options: [rbind, ro]}]
        """.formatted(hosts)), "a").spec().path("mounts");
    List<JsonNode> atHosts = new ArrayList<>();
    mounts.forEach(m -> {
      if (m.path("destination").asText().equals("/etc/hosts")) {
        atHosts.add(m);
      }
    });
    assertThat(atHosts).singleElement().satisfies(m -> assertThat(m.path("source").asText()).isEqualTo(hosts.toString()));
  }

  /** What the CDI spec lets a vendor write but podshim refuses for CRI mounts and devices too. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "mounts: [{hostPath: /tmp, containerPath: /, options: [rbind]}]"
          + "|config.CDI_devices[0].name: CDI device podshim.test/dev=a (spec DIR/cdi/dev.yaml) mounts[0].containerPath: \"/\" would replace the container's root filesystem",
      "mounts: [{hostPath: /tmp, containerPath: /proc/sys, options: [rbind]}]|\"/proc/sys\" is inside /proc, which the runtime owns",
      "mounts: [{hostPath: /tmp, containerPath: /proc, options: [rbind]}]|only the host's procfs may be mounted over /proc",
      "mounts: [{hostPath: /nonexistent/lib, containerPath: /lib2, options: [bind]}]|mounts[0].hostPath: /nonexistent/lib does not exist",
      "mounts: [{hostPath: /tmp, containerPath: lib, options: [bind]}]|mounts[0].containerPath: must be absolute",
      "mounts: [{hostPath: /tmp, containerPath: /x, options: [ro]}]|mounts[0].type: is empty and the options say neither bind nor rbind",
      "deviceNodes: [{path: /dev/nope0, hostPath: /nonexistent/dev}]|deviceNodes[0]: /nonexistent/dev does not exist on the host",
      "deviceNodes: [{path: /dev/h, hostPath: /etc/hostname}]|deviceNodes[0]: /etc/hostname is not a device node or FIFO on the host",
      "deviceNodes: [{path: /dev/n, hostPath: /dev/null, type: b}]|deviceNodes[0]: /dev/null is of type c, not b",
      "deviceNodes: [{path: dev/n, hostPath: /dev/null}]|deviceNodes[0].path: must be absolute",
      "deviceNodes: [{path: /dev/n, hostPath: dev/null}]|deviceNodes[0].hostPath: must be absolute",
      "hooks: [{hookName: poststart, path: bin/hook}]|hooks[0].path: must be absolute"})
  void anEditPodshimRefusesForCriRequestsIsInvalidNamingTheDevice(String edit, String message) throws IOException {
    SpecFixture f = withDevices(spec("0.5.0", "- name: a\n  containerEdits:\n    " + edit + "\n"), "a");
    f.assertInvalid(message.replace("DIR", dir.toString()));
  }

  @Test
  void aCompleteNodeNeedsNoHostNode() throws IOException {
    JsonNode devices = withDevices(spec("0.5.0", """
        - name: a
          containerEdits:
            deviceNodes: [{path: /dev/gone, hostPath: /nonexistent/gone, type: b, major: 8, minor: 1}]
        """), "a").spec().path("linux").path("devices");
    assertThat(devices.get(0).toString()).isEqualTo(
        "{\"path\":\"/dev/gone\",\"type\":\"b\",\"major\":8,\"minor\":1,\"uid\":0,\"gid\":0}");
  }

  private static JsonNode find(JsonNode mounts, String destination) {
    for (JsonNode m : mounts) {
      if (m.path("destination").asText().equals(destination)) {
        return m;
      }
    }
    throw new AssertionError("no mount at " + destination + " in " + mounts);
  }
}
