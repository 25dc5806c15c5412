package dev.podshim.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SpecFileTest {
  private static SpecFile parse(String name, String text) throws SpecFile.BadSpecException {
    return SpecFile.parse(Path.of("/etc/cdi", name), 0, text.getBytes(StandardCharsets.UTF_8));
  }

  private static SpecFile resource(String name) throws Exception {
    try (InputStream in = SpecFileTest.class.getResourceAsStream(name)) {
      return SpecFile.parse(Path.of("/etc/cdi", name), 1, in.readAllBytes());
    }
  }

  @Test
  void aVendorsYamlFileWithSpecWideAndDeviceEdits() throws Exception {
    SpecFile f = resource("vendor-gpu.yaml");
    assertThat(f.vendor()).isEqualTo("example.com");
    assertThat(f.deviceClass()).isEqualTo("gpu");
    CdiSpec.Edits common = f.spec().containerEdits();
    assertThat(common.env()).containsExactly("EXAMPLE_DRIVER_ROOT=/");
    assertThat(common.hooks()).singleElement().satisfies(h -> {
      assertThat(h.hookName()).isEqualTo("createContainer");
      assertThat(h.args()).containsExactly("example-ctk", "hook", "update-ldcache");
      assertThat(h.timeout()).isNull();
    });
    assertThat(common.mounts()).singleElement().satisfies(m -> {
      assertThat(m.options()).containsExactly("ro", "nosuid", "nodev", "bind");
      assertThat(m.type()).isEmpty();
    });
    assertThat(f.spec().devices()).extracting(CdiSpec.Device::name).containsExactly("0", "all");
    CdiSpec.DeviceNode node = f.spec().devices().get(0).containerEdits().deviceNodes().get(0);
    assertThat(node).isEqualTo(new CdiSpec.DeviceNode("/dev/example0", "/dev/null", "", 0, 0, null, "rw", null, null));
  }

  @Test
  void aJsonFileWithEveryFieldOfVersion070() throws Exception {
    SpecFile f = resource("vendor-nic.json");
    assertThat(f.spec().annotations()).containsEntry("generator", "hand-written for podshim's tests");
    CdiSpec.Edits e = f.spec().devices().get(0).containerEdits();
    assertThat(e.deviceNodes()).containsExactly(
        new CdiSpec.DeviceNode("/dev/vf0", "", "c", 1, 5, 420, "", 1000L, 1000L));
    assertThat(e.additionalGids()).containsExactly(44L, 0L);
    assertThat(e.intelRdt()).isEqualTo(new CdiSpec.IntelRdt("vf", "L3:0=f", "", false, false));
  }

  /** The same device in each version podshim reads, each with a feature of that version, JSON and YAML alike. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0.3.0|{\"path\": \"/dev/null\"}|",
      "0.4.0|{\"path\": \"/dev/null\"}|, \"mounts\": [{\"hostPath\": \"/tmp\", \"containerPath\": \"/t\", \"type\": \"tmpfs\"}]",
      "0.5.0|{\"path\": \"/dev/n\", \"hostPath\": \"/dev/null\"}|",
      "0.6.0|{\"path\": \"/dev/null\"}|, \"env\": [\"A=b\"]",
      "0.7.0|{\"path\": \"/dev/null\"}|, \"additionalGids\": [5]",
      "0.8.0|{\"path\": \"/dev/null\"}|",
      "1.0.0|{\"path\": \"/dev/null\"}|, \"hooks\": [{\"hookName\": \"poststop\", \"path\": \"/bin/true\", \"timeout\": 5}]",
      "1.0.1|{\"path\": \"/dev/null\"}|",
      "v1.0.0|{\"path\": \"/dev/null\"}|"})
  void everyVersionFrom030To10xInBothFormats(String version, String node, String more) throws Exception {
    String json = """
        {"cdiVersion": "%s", "kind": "podshim.test/null", "devices": [
          {"name": "null0", "containerEdits": {"deviceNodes": [%s]%s}}]}
        """.formatted(version, node, more == null ? "" : more);
    SpecFile fromJson = parse("null.json", json);
    // JSON is YAML: the YAML reader must agree on every field
    SpecFile fromYaml = parse("null.yaml", json);
    assertThat(fromYaml.spec()).isEqualTo(fromJson.spec());
    assertThat(fromJson.spec().devices().get(0).containerEdits().deviceNodes()).hasSize(1);
  }

  @Test
  void blockStyleYamlReadsAsItsJsonTwin() throws Exception {
    SpecFile yaml = parse("z.yaml", """
        cdiVersion: "0.6.0"
        kind: podshim.test/zero
        annotations: {owner: tests}
        devices:
          - name: zero0
            containerEdits:
              env: [ZERO=1]
              deviceNodes:
                - path: /dev/zero0
                  hostPath: /dev/zero
                  permissions: r
        """);
    SpecFile json = parse("z.json", """
        {"cdiVersion": "0.6.0", "kind": "podshim.test/zero", "annotations": {"owner": "tests"},
         "devices": [{"name": "zero0", "containerEdits": {"env": ["ZERO=1"],
           "deviceNodes": [{"path": "/dev/zero0", "hostPath": "/dev/zero", "permissions": "r"}]}}]}
        """);
    assertThat(yaml.spec()).isEqualTo(json.spec());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // version rules
      "'cdiVersion: 1.1.0'|cdiVersion 1.1.0 is not supported (podshim reads 0.3.0 to 1.0.x)",
      "'cdiVersion: 0.2.0'|cdiVersion 0.2.0 is not supported",
      "'cdiVersion: one'|cdiVersion \"one\" is not a version",
      "'cdiVersion: 0.3.0\nannotations: {a: b}'|uses annotations, which needs cdiVersion 0.6.0 or later, but declares 0.3.0",
      // structure
      "'cdiVersion: 0.6.0\nnetDevices: []'|cannot parse",
      "'cdiVersion: 0.6.0\ncdiVersion: 0.6.0'|cannot parse",
      "'cdiVersion: 0.6.0\nkind: nullclass'|kind \"nullclass\" is not vendor/class",
      "'cdiVersion: 0.6.0\nkind: 1vendor/null'|vendor \"1vendor\" must start with a letter",
      "'cdiVersion: 0.6.0\nkind: podshim.test/nu ll'|class \"nu ll\" has an invalid character ' '",
      "'cdiVersion: 0.6.0\ndevices: []'|defines no devices",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {}}]'|devices[0] (a): containerEdits are empty",
      "'cdiVersion: 0.6.0\ndevices: [{name: a-, containerEdits: {env: [A=1]}}]'|devices[0]: device name \"a-\" must end",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {env: [A=1]}}, {name: a, containerEdits: {env: [A=1]}}]'|devices[1]: device a is defined twice",
      // edits
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {env: [=1]}}]'|devices[0].containerEdits.env: \"=1\" is not NAME=value",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: /dev/a, type: x}]}}]'|deviceNodes[0].type \"x\" is not b, c, u or p",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: /dev/a, permissions: rx}]}}]'|deviceNodes[0].permissions \"rx\"",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {deviceNodes: [{type: c}]}}]'|deviceNodes[0].path is empty",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {hooks: [{hookName: later, path: /x}]}}]'|hooks[0].hookName \"later\" is not one of",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {hooks: [{hookName: poststop, path: /x, timeout: 0}]}}]'|hooks[0].timeout must be positive",
      "'cdiVersion: 0.6.0\ndevices: [{name: a, containerEdits: {mounts: [{hostPath: /x}]}}]'|mounts[0].containerPath is empty",
      "'cdiVersion: 0.7.0\ndevices: [{name: a, containerEdits: {intelRdt: {closID: ../x}}}]'|intelRdt.closID \"../x\" is not a file name"})
  void aSpecBreakingARuleIsRefusedSayingWhich(String head, String message) {
    String text = head.replace("\\n", "\n");
    if (!text.contains("kind:")) {
      text += "\nkind: podshim.test/null";
    }
    if (!text.contains("devices:")) {
      text += "\ndevices: [{name: null0, containerEdits: {deviceNodes: [{path: /dev/null}]}}]";
    }
    String yaml = text;
    assertThatThrownBy(() -> parse("bad.yaml", yaml)).isInstanceOf(SpecFile.BadSpecException.class)
        .hasMessageContaining(message);
  }

  @Test
  void notJsonNorYamlIsRefused() {
    assertThatThrownBy(() -> parse("bad.json", "{\"cdiVersion\": ")).isInstanceOf(SpecFile.BadSpecException.class)
        .hasMessageStartingWith("cannot parse");
    assertThatThrownBy(() -> parse("bad.yaml", "")).isInstanceOf(SpecFile.BadSpecException.class)
        .hasMessage("is empty");
  }

  @Test
  void onlyJsonAndYamlFilesAreSpecFiles() {
    assertThat(List.of("a.json", "a.yaml", "a.yml", "a.json~", "a")).filteredOn(SpecFile::isSpecFileName)
        .containsExactly("a.json", "a.yaml");
  }

  @Test
  void aFileLargerThanTheLimitIsNotRead(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    Path big = dir.resolve("big.yaml");
    try (var out = java.nio.file.Files.newOutputStream(big)) {
      byte[] line = "# padding padding padding padding padding padding padding padding padding\n".getBytes();
      for (long n = 0; n <= SpecFile.MAX_BYTES / line.length; n++) {
        out.write(line);
      }
    }
    assertThatThrownBy(() -> SpecFile.read(big, 0)).isInstanceOf(SpecFile.BadSpecException.class)
        .hasMessageContaining("larger than");
  }
}
