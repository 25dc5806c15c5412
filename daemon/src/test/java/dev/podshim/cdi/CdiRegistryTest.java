package dev.podshim.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdiRegistryTest {
  @TempDir Path dir;
  private Path etc;
  private Path run;
  private CdiRegistry registry;

  @BeforeEach
  void dirs() {
    etc = dir.resolve("etc-cdi");
    run = dir.resolve("run-cdi");
    registry = new CdiRegistry(List.of(etc, run));
  }

  /** A YAML spec of kind {@code podshim.test/<cls>} whose devices each set {@code DEV=<name>@<tag>}. */
  private static String spec(String cls, String tag, String... devices) {
    StringBuilder s = new StringBuilder("cdiVersion: 0.6.0\nkind: podshim.test/" + cls
        + "\ncontainerEdits:\n  env: [SPEC=" + cls + "@" + tag + "]\ndevices:\n");
    for (String d : devices) {
      s.append("- name: ").append(d).append("\n  containerEdits:\n    env: [DEV=").append(d).append('@').append(tag)
          .append("]\n");
    }
    return s.toString();
  }

  private static void write(Path dir, String file, String text) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private List<String> env(String... names) {
    List<CdiRegistry.Request> requests = new java.util.ArrayList<>();
    for (int i = 0; i < names.length; i++) {
      requests.add(new CdiRegistry.Request("config.CDI_devices[" + i + "].name", names[i]));
    }
    return registry.resolve(requests).stream().flatMap(e -> e.edits().env().stream()).toList();
  }

  private void assertInvalid(String name, String message) {
    assertThatThrownBy(() -> env(name)).isInstanceOfSatisfying(CriException.class,
        e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageStartingWith("config.CDI_devices[0].name: ").hasMessageContaining(message);
  }

  @Test
  void specEditsComeOnceBeforeTheFirstDeviceOfTheirSpecThenEachDevicesOwn() throws IOException {
    write(etc, "null.yaml", spec("null", "etc", "a", "b"));
    write(etc, "zero.yaml", spec("zero", "etc", "z"));
    assertThat(env("podshim.test/null=b", "podshim.test/zero=z", "podshim.test/null=a")).containsExactly(
        "SPEC=null@etc", "DEV=b@etc", "SPEC=zero@etc", "DEV=z@etc", "DEV=a@etc");
  }

  @Test
  void anEditCarriesTheFieldThatAskedAndTheSpecFile() throws IOException {
    write(run, "null.yaml", spec("null", "run", "a"));
    List<CdiRegistry.Edit> edits = registry.resolve(List.of(new CdiRegistry.Request("config.annotations[\"cdi.k8s.io/x\"]",
        "podshim.test/null=a")));
    assertThat(edits).extracting(CdiRegistry.Edit::field).containsOnly("config.annotations[\"cdi.k8s.io/x\"]");
    assertThat(edits.getFirst().source()).isEqualTo("podshim.test/null=a (spec " + run.resolve("null.yaml") + ")");
  }

  @Test
  void aLaterDirectoryWinsOverAnEarlierOne() throws IOException {
    write(etc, "null.yaml", spec("null", "etc", "a", "only-etc"));
    write(run, "null.yaml", spec("null", "run", "a"));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@run", "DEV=a@run");
    assertThat(env("podshim.test/null=only-etc")).containsExactly("SPEC=null@etc", "DEV=only-etc@etc");
  }

  @Test
  void twoFilesOfOneDirectoryDefiningADeviceMakeItAmbiguous() throws IOException {
    write(etc, "one.yaml", spec("null", "one", "a", "b"));
    write(etc, "two.yaml", spec("null", "two", "a"));
    assertInvalid("podshim.test/null=a", "CDI device \"podshim.test/null=a\" is ambiguous: spec files ["
        + etc.resolve("one.yaml") + ", " + etc.resolve("two.yaml") + "] both define it");
    assertThat(env("podshim.test/null=b")).containsExactly("SPEC=null@one", "DEV=b@one");
    // a later directory settles it
    write(run, "three.yaml", spec("null", "three", "a"));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@three", "DEV=a@three");
  }

  @Test
  void anUnknownDeviceNamesTheDirectories() {
    assertInvalid("podshim.test/null=a", "unknown CDI device \"podshim.test/null=a\": no spec file in [" + etc + ", "
        + run + "] defines it");
  }

  @Test
  void aBrokenFileIsSkippedAndNamedWhileTheOthersServe() throws IOException {
    write(etc, "broken.yaml", "cdiVersion: 0.6.0\nkind: podshim.test/zero\ndevices: [{name: z");
    write(etc, "wrong-version.yaml", spec("zero", "x", "z").replace("0.6.0", "2.0.0"));
    write(etc, "null.yaml", spec("null", "etc", "a"));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@etc", "DEV=a@etc");
    assertInvalid("podshim.test/zero=z", "(2 invalid spec files were skipped: [" + etc.resolve("broken.yaml") + ", "
        + etc.resolve("wrong-version.yaml") + "], see podshimd's log)");
  }

  @Test
  void otherFilesAndDirectoriesAreIgnored() throws IOException {
    write(etc, "null.yaml.bak", "not a spec");
    write(etc, "README", "not a spec");
    Files.createDirectories(etc.resolve("sub.yaml"));
    write(etc.resolve("sub.yaml"), "null.yaml", spec("null", "sub", "a"));
    assertThat(registry.devices()).isEmpty();
  }

  @Test
  void aFileAddedRewrittenOrRemovedIsSeenAtTheNextResolve() throws IOException {
    assertInvalid("podshim.test/null=a", "unknown CDI device");
    write(run, "null.yaml", spec("null", "v1", "a"));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@v1", "DEV=a@v1");

    // rewritten in place, same size and the same mtime: the inode differs (renamed over)
    write(run, "null.yaml", spec("null", "v2", "a"));
    Files.setLastModifiedTime(run.resolve("null.yaml"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@v2", "DEV=a@v2");

    // written through the same inode: the mtime differs
    Files.writeString(run.resolve("null.yaml"), spec("null", "v3", "a"));
    assertThat(env("podshim.test/null=a")).containsExactly("SPEC=null@v3", "DEV=a@v3");

    Files.delete(run.resolve("null.yaml"));
    assertInvalid("podshim.test/null=a", "unknown CDI device");
    assertThat(registry.devices()).isEmpty();
  }

  @Test
  void noRequestReadsNothing() throws IOException {
    write(etc, "broken.yaml", "{");
    assertThat(registry.resolve(List.of())).isEmpty();
  }
}
