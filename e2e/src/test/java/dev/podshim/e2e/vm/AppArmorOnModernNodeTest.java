package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.e2e.Podshimd;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * AppArmor on a node that has it (Debian 13), against the package under systemd, in one VM: the
 * default profile loaded at start and applied in enforce mode, what it denies, Unconfined,
 * privileged containers, a Localhost profile loaded by the test, one that is not loaded; then
 * critest's specs that this machine cannot run (AppArmor; stats on cgroup v2; user namespaces with crun) with a
 * lifecycle smoke set ({@link #CRITEST_FOCUS}), in one critest run. Images come from the
 * conformance registry on the host (../shared/conformance: registry.sh, images.sh), mirrored into
 * the guest at 10.0.2.2:5000.
 */
@ExtendWith(RequiresQemu.class)
class AppArmorOnModernNodeTest {
  private static final Path SHARED = Podshimd.PROJECT.resolve("../shared").normalize();
  private static final int REGISTRY_PORT = 5000;
  /** critest's default test image; images.sh pushes it to the conformance registry. */
  private static final String BUSYBOX = "registry.k8s.io/e2e-test-images/busybox:1.29-2";
  private static final Duration SLOW = Duration.ofMinutes(10);
  /**
   * AppArmor's 9 specs, container stats on cgroup v2, and the basic pod and container lifecycle.
   * Not critest's OOM spec: under the systemd driver podshim can lose the OOMKilled reason (see
   * CgroupV2OnModernNodeTest: the scope and its memory.events are gone before the exit is recorded).
   */
  static final String CRITEST_FOCUS = "AppArmor|basic operations on PodSandbox|basic operations on container"
      + "|Runtime info|Container OOM|UserNamespaces";

  @Test
  void theDefaultProfileConfinesContainersAndCritestsAppArmorSpecsPass() throws Exception {
    Path deb = PackageOnModernNodeTest.builtPackage();
    assertThat(SHARED.resolve("tools/crictl")).as("crictl beside the project").isExecutable();
    assertThat(SHARED.resolve("tools/critest")).as("critest beside the project").isExecutable();
    registryWithCritestImages();
    try (VmNode node = VmNode.restore(VmNodes.saved(), List.of(REGISTRY_PORT))) {
      node.copyIn(deb, "/root/podshim_amd64.deb");
      node.copyIn(SHARED.resolve("tools/crictl"), "/usr/local/bin/crictl");
      node.copyIn(SHARED.resolve("tools/critest"), "/usr/local/bin/critest");
      node.copyIn(script(), "/root/apparmor-checks.sh");
      node.copyIn(mirrors(), "/root/mirrors.toml");

      long start = System.nanoTime();
      // critest loads its profiles with "sudo apparmor_parser"; root needs no sudo, the image has none
      CommandResult install = node.run("cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y"
          + " ./podshim_amd64.deb >/root/apt.log 2>&1 && cat /root/mirrors.toml >>/etc/podshim/podshim.toml"
          + " && (command -v sudo >/dev/null"
          + " || printf '#!/bin/sh\\nexec \"$@\"\\n' >/usr/local/bin/sudo) && chmod +x /usr/local/bin/sudo"
          + " && systemctl enable --now podshim 2>&1", Duration.ofMinutes(15));
      VmTimings.report("install and start podshim", start);
      assertThat(install.ok()).as("%s\n%s", install, journal(node)).isTrue();

      start = System.nanoTime();
      CommandResult checks = node.run("bash /root/apparmor-checks.sh " + BUSYBOX, SLOW);
      VmTimings.report("AppArmor checks", start);
      // a restart finds the same text loaded and does not compile it again
      start = System.nanoTime();
      CommandResult restart = node.run("systemctl restart podshim && journalctl -u podshim --no-pager -o cat"
          + " | grep -c 'apparmor profile already loaded, same text'", SLOW);
      VmTimings.report("systemctl restart podshim", start);

      start = System.nanoTime();
      CommandResult critest = node.run("critest --runtime-endpoint unix:///run/podshim/podshim.sock"
          + " --image-endpoint unix:///run/podshim/podshim.sock --ginkgo.no-color"
          + " '--ginkgo.focus=" + CRITEST_FOCUS + "'"
          + " --ginkgo.timeout=30m > /root/critest.log 2>&1; echo rc=$?; grep -aE '^Ran [0-9]+ of|Passed \\|'"
          + " /root/critest.log; grep -aE '^\\s*\\[FAIL\\]' /root/critest.log | sort -u;"
          + " grep -aB3 -A25 -m1 '\\[FAILED\\]' /root/critest.log | head -60", Duration.ofMinutes(30));
      VmTimings.report("critest --ginkgo.focus=" + CRITEST_FOCUS, start);
      System.out.println("podshim-vm: critest:\n" + critest.stdout());
      Map<String, String> got = keyValues(checks.stdout());
      System.out.println("podshim-vm: AppArmor checks: " + got);
      assertThat(checks.ok()).as("%s", checks).isTrue();
      assertThat(got).as("%s\n%s", checks, journal(node))
          .containsEntry("default_loaded", "1")
          .containsEntry("localhost_load", "0")
          .containsEntry("runtime_default_label", "podshim-default (enforce)")
          .containsEntry("runtime_default_tmp_write", "ok")
          .containsEntry("runtime_default_stopped", "CONTAINER_EXITED")
          .containsEntry("unset_label", "podshim-default (enforce)")
          .containsEntry("unconfined_mount", "ok")
          .containsEntry("privileged_sys_read", "ok")
          .containsEntry("privileged_proc_write", "ok")
          .containsEntry("privileged_default_label", "podshim-default (enforce)")
          .containsEntry("localhost_label", "podshim-e2e-deny-write (enforce)");
      // "0", then crictl's last line on stderr
      assertThat(got.get("pod_removed")).startsWith("0 ");
      // no profile: the OCI runtime's own label stays, in unconfined mode (Debian 13 ships ones for runc and crun)
      assertThat(List.of(got.get("unconfined_label"), got.get("privileged_label")))
          .allSatisfy(label -> assertThat(label).matches("unconfined|(runc|crun) \\(unconfined\\)"));
      assertThat(got.get("status")).contains("\"enabled\":true", "\"defaultProfile\":\"podshim-default\"");
      // refused by AppArmor alone: the same container unconfined may mount, a privileged one read and write
      assertThat(got.get("runtime_default_mount")).contains("Permission denied");
      assertThat(got.get("privileged_default_sys_read")).contains("Permission denied");
      assertThat(got.get("privileged_default_proc_write")).contains("Permission denied");
      assertThat(got.get("localhost_tmp_write")).contains("Permission denied");
      assertThat(got.get("unloaded")).contains("InvalidArgument",
          "config.linux.security_context.apparmor: apparmor profile \\\"not-loaded\\\" is not loaded");
      assertThat(got.get("bad_name")).contains("InvalidArgument", "config.linux.security_context.apparmor_profile:",
          "is not an apparmor profile name");

      assertThat(restart.stdout().strip()).as("%s", restart).isEqualTo("1");
      assertThat(critest.stdout()).as("%s\n%s", critest, node.run("tail -60 /root/critest.log", SLOW).stdout())
          .contains("rc=0", "Ran 36 of ", "36 Passed | 0 Failed");
    }
  }

  /** The host's conformance registry, started when it is not up, with critest's images pushed when missing. */
  private static void registryWithCritestImages() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI manifest = URI.create("http://127.0.0.1:" + REGISTRY_PORT + "/v2/e2e-test-images/busybox/manifests/1.29-2");
    HttpRequest head = HttpRequest.newBuilder(manifest).method("HEAD", HttpRequest.BodyPublishers.noBody())
        .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json,"
            + " application/vnd.docker.distribution.manifest.v2+json").build();
    try {
      http.send(head, HttpResponse.BodyHandlers.discarding());
    } catch (java.io.IOException down) {
      new ProcessBuilder(SHARED.resolve("conformance/registry.sh").toString()).inheritIO().start().waitFor();
    }
    int code = http.send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
    if (code != 200) {
      // a machine that never ran critest: the images are built from Debian packages, offline
      new ProcessBuilder(SHARED.resolve("conformance/images.sh").toString()).inheritIO().start().waitFor();
      code = http.send(head, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
    assertThat(code).as("critest's images in the registry on 127.0.0.1:%d: run %s", REGISTRY_PORT,
        SHARED.resolve("conformance/images.sh")).isEqualTo(200);
  }

  /** podshim's registry mirrors: every registry critest pulls from is the host's registry. */
  private static Path mirrors() throws Exception {
    StringBuilder toml = new StringBuilder();
    for (String registry : List.of("registry.k8s.io", "gcr.io", "k8s.gcr.io", "docker.io")) {
      toml.append("[registry.mirrors.\"").append(registry).append("\"]\nendpoints = [\"http://")
          .append(VmNode.HOST_ADDRESS).append(':').append(REGISTRY_PORT).append("\"]\n");
    }
    Path file = Files.createTempFile("mirrors", ".toml");
    file.toFile().deleteOnExit();
    return Files.writeString(file, toml);
  }

  private static Path script() throws Exception {
    Path file = Files.createTempFile("apparmor-checks", ".sh");
    try (var in = AppArmorOnModernNodeTest.class.getResourceAsStream("apparmor-checks.sh")) {
      Files.write(file, in.readAllBytes());
    }
    file.toFile().deleteOnExit();
    return file;
  }

  private static Map<String, String> keyValues(String out) {
    Map<String, String> map = new LinkedHashMap<>();
    out.lines().filter(l -> l.indexOf('=') > 0)
        .forEach(l -> map.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
    return map;
  }

  private static String journal(VmNode node) throws Exception {
    return node.run("journalctl -u podshim --no-pager -o cat | tail -80", SLOW).stdout();
  }
}
