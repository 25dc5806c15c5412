package dev.podshim.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit, the launcher and the kubelet drop-in as the package ships them: systemd accepts them,
 * and the JVM flags exist in one place only, {@code scripts/jvm-opts.sh}.
 */
class UnitFileTest {
  private static final String EXEC_START = "/usr/bin/podshimd --config /etc/podshim/podshim.toml";
  @TempDir Path dir;

  private static List<String> unit() throws Exception {
    return Files.readAllLines(Project.file("systemd/podshim.service"));
  }

  private static String flagsOfJvmOpts() throws Exception {
    Project.Run r = Project.run(List.of("bash", "-c", ". \"$0\" && printf %s \"$PODSHIM_JVM_OPTS\"",
        Project.file("scripts/jvm-opts.sh").toString()), Map.of("PODSHIM_JVM_OPTS", ""));
    assertThat(r.code()).as(r.output()).isZero();
    return r.output().strip();
  }

  @Test
  void theUnitRunsTheLauncherAndLeavesPodsAloneOnStop() throws Exception {
    assertThat(unit()).contains("ExecStart=" + EXEC_START, "KillMode=process", "Delegate=yes", "Type=notify",
        "NotifyAccess=main");
    assertThat(String.join("\n", unit())).as("JVM flags belong in scripts/jvm-opts.sh, not in the unit")
        .doesNotContain("-XX:", "-Xmx", "java ");
  }

  @Test
  void theLauncherRunsThePackagedRuntimeWithTheFlagsOfJvmOptsAndNoneOfItsOwn() throws Exception {
    String launcher = Files.readString(Project.file("packaging/src/deb/podshimd"));
    // its only flag of its own is the installation's AOT cache, made by postinst for these jars
    assertThat(launcher.replace("-XX:AOTCache=", "")).doesNotContain("-XX:", "-Xmx", "-Xss");
    Path home = fakeHome();

    Project.Run r = Project.run(List.of("sh", Project.file("packaging/src/deb/podshimd").toString(), "--version"),
        Map.of("PODSHIM_HOME", home.toString()));

    assertThat(r.code()).as(r.output()).isZero();
    List<String> expected = new java.util.ArrayList<>(List.of(flagsOfJvmOpts().split("\\s+")));
    expected.addAll(List.of("-jar", home.resolve("podshimd.jar").toString(), "--version"));
    assertThat(r.output().strip().split("\n")).containsExactlyElementsOf(expected);

    Files.writeString(home.resolve("podshimd.aot"), "");
    Project.Run cached = Project.run(List.of("sh", Project.file("packaging/src/deb/podshimd").toString(), "--version"),
        Map.of("PODSHIM_HOME", home.toString()));
    expected.add(expected.indexOf("-jar"), "-XX:AOTCache=" + home.resolve("podshimd.aot"));
    assertThat(cached.output().strip().split("\n")).as("with the AOT cache postinst made")
        .containsExactlyElementsOf(expected);
  }

  @Test
  void podshimJvmOptsInTheEnvironmentReplaceTheFlags() throws Exception {
    Path home = fakeHome();
    Project.Run r = Project.run(List.of("sh", Project.file("packaging/src/deb/podshimd").toString()),
        Map.of("PODSHIM_HOME", home.toString(), "PODSHIM_JVM_OPTS", "-Xmx64m -XX:+UseSerialGC"));
    assertThat(r.output().strip().split("\n"))
        .containsExactly("-Xmx64m", "-XX:+UseSerialGC", "-jar", home.resolve("podshimd.jar").toString());
  }

  /** A home like /usr/lib/podshim whose java prints its arguments, one a line. */
  private Path fakeHome() throws Exception {
    Path home = dir.resolve("home");
    Files.createDirectories(home.resolve("runtime/bin"));
    Files.copy(Project.file("scripts/jvm-opts.sh"), home.resolve("jvm-opts.sh"));
    Path java = home.resolve("runtime/bin/java");
    Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  @Test
  void systemdAnalyzeVerifyAcceptsTheUnitAndTheKubeletDropIn() throws Exception {
    // verify checks that ExecStart's program exists: point it at the launcher as the package ships it
    Path launcher = Project.file("packaging/src/deb/podshimd");
    assertThat(Files.isExecutable(launcher)).as(launcher + " is executable").isTrue();
    String unitText = String.join("\n", unit()).replace("ExecStart=/usr/bin/podshimd ", "ExecStart=" + launcher + " ") + "\n";
    Files.writeString(dir.resolve("podshim.service"), unitText);
    // the drop-in on a stand-in kubelet.service in the same directory, where verify looks for drop-ins
    Files.writeString(dir.resolve("kubelet.service"), "[Unit]\nDescription=kubelet\n[Service]\nExecStart=/bin/true\n");
    Files.createDirectories(dir.resolve("kubelet.service.d"));
    Files.copy(Project.file("systemd/10-podshim.conf"), dir.resolve("kubelet.service.d/10-podshim.conf"));

    for (String unitFile : List.of("podshim.service", "kubelet.service")) {
      Project.Run r = Project.run(List.of("systemd-analyze", "verify", dir.resolve(unitFile).toString()));
      assertThat(r.code()).as("systemd-analyze verify " + unitFile + ":\n" + r.output()).isZero();
      assertThat(r.output()).as("systemd-analyze verify " + unitFile + " warnings").isBlank();
    }
  }

  @Test
  void theKubeletDropInPointsKubeletAtTheDefaultSocket() throws Exception {
    String dropIn = Files.readString(Project.file("systemd/10-podshim.conf"));
    String socket = Files.readAllLines(Project.file("systemd/podshim.toml")).stream()
        .filter(l -> l.startsWith("socket = ")).findFirst().orElseThrow().replaceAll("socket = \"(.*)\"", "$1");
    assertThat(dropIn).contains("--container-runtime-endpoint=unix://" + socket,
        "--image-service-endpoint=unix://" + socket, "Requires=podshim.service", "After=podshim.service");
  }
}
