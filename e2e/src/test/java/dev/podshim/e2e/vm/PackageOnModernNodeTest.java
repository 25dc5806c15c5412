package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.e2e.Podshimd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The package on a modern node (Debian 13: systemd as PID 1, cgroup v2, AppArmor), used as an
 * operator uses it: apt installs the .deb with no network, systemctl starts it, crictl runs a pod,
 * a restart of the service keeps the pod, journalctl has the daemon's log. One VM for all of it:
 * every step costs seconds under emulation.
 */
@ExtendWith(RequiresQemu.class)
class PackageOnModernNodeTest {
  private static final Path CRICTL = Podshimd.PROJECT.resolve("../shared/tools/crictl").normalize();
  private static final String CRICTL_CMD = "crictl --runtime-endpoint unix:///run/podshim/podshim.sock --timeout 120s";
  private static final Duration SLOW = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aptInstallsItSystemdRunsItAndARestartKeepsThePod() throws Exception {
    Path deb = builtPackage();
    assertThat(CRICTL).as("crictl is expected at ../shared/tools/crictl beside the project").isExecutable();
    try (VmNode node = VmNode.restore(VmNodes.saved(), List.of())) {
      node.copyIn(deb, "/root/podshim_amd64.deb");
      node.copyIn(CRICTL, "/usr/local/bin/crictl");

      long start = System.nanoTime();
      // the guest has no route out: a Depends missing from the image fails the download, as on an
      // air-gapped node
      CommandResult install = node.run("cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y"
          + " ./podshim_amd64.deb 2>&1", Duration.ofMinutes(15));
      VmTimings.report("apt-get install of the package in the VM", start);
      assertThat(install.ok()).as("%s", install).isTrue();
      assertThat(install.stdout()).contains("Setting up podshim");

      start = System.nanoTime();
      CommandResult enable = node.run("systemctl enable --now podshim 2>&1 && systemctl is-enabled podshim"
          + " && systemctl is-active podshim", SLOW);
      VmTimings.report("systemctl enable --now podshim", start);
      assertThat(enable.ok()).as("%s\n%s", enable, journal(node)).isTrue();
      Map<String, String> first = unit(node);
      // Type=notify: active/running only once the daemon sent READY=1
      assertThat(first).containsEntry("ActiveState", "active").containsEntry("SubState", "running");
      assertThat(first.get("StatusText")).startsWith("serving CRI on /run/podshim/podshim.sock");

      CommandResult version = node.run(CRICTL_CMD + " version && " + CRICTL_CMD + " runtime-config", SLOW);
      assertThat(version.ok()).as("%s", version).isTrue();
      assertThat(version.stdout()).contains("RuntimeName:  podshim");
      System.out.println("podshim-vm: crictl version and runtime-config on the systemd node:\n" + version.stdout());

      String podId = runPod(node);
      JsonNode pod = inspectPod(node, podId);
      long pausePid = pod.path("info").path("pid").asLong();
      assertThat(pod.path("status").path("state").asText()).isEqualTo("SANDBOX_READY");
      assertThat(pausePid).isPositive();

      start = System.nanoTime();
      CommandResult restart = node.run("systemctl restart podshim && systemctl is-active podshim", SLOW);
      VmTimings.report("systemctl restart podshim", start);
      assertThat(restart.ok()).as("%s\n%s", restart, journal(node)).isTrue();
      Map<String, String> second = unit(node);
      assertThat(second).containsEntry("ActiveState", "active").containsEntry("SubState", "running");
      assertThat(second.get("MainPID")).as("a new daemon process").isNotEqualTo(first.get("MainPID"));

      // the same pause process, still the pod's, and the new daemon recovered it as ready
      assertThat(node.run("kill -0 " + pausePid, SLOW).ok()).as("pause %d survives the restart", pausePid).isTrue();
      JsonNode recovered = inspectPod(node, podId);
      assertThat(recovered.path("status").path("state").asText()).isEqualTo("SANDBOX_READY");
      assertThat(recovered.path("info").path("pid").asLong()).isEqualTo(pausePid);

      String log = journal(node);
      assertThat(log.lines().filter(l -> l.contains("podshimd ready")).count()).as("two starts in:\n%s", log)
          .isEqualTo(2);
      assertThat(log).contains(podId);

      CommandResult remove = node.run(CRICTL_CMD + " stopp " + podId + " && " + CRICTL_CMD + " rmp " + podId
          + " && ! kill -0 " + pausePid + " 2>/dev/null", SLOW);
      assertThat(remove.ok()).as("%s", remove).isTrue();
    }
  }

  /** The package this build made; CI must have it, a developer who built without -Pdeb is told how. */
  static Path builtPackage() {
    if (System.getenv("CI") == null) {
      assumeThat(Podshimd.usePackage()).as("no fresh " + Podshimd.DEB + ": build it with ./mvnw -B install -Pdeb"
          + " (scripts/test.sh does)").isTrue();
    }
    assertThat(Podshimd.usePackage()).as("a fresh %s (the VM tests need -Pdeb)", Podshimd.DEB).isTrue();
    return Podshimd.DEB;
  }

  private static String runPod(VmNode node) throws Exception {
    String config = """
        {"metadata": {"name": "vm-pod", "namespace": "default", "uid": "vm-pod-uid", "attempt": 0},
         "log_directory": "/var/log/pods/vm-pod", "linux": {}}
        """;
    CommandResult run = node.run("cat > /root/pod.json <<'EOF'\n" + config + "EOF\n" + CRICTL_CMD + " runp /root/pod.json",
        SLOW);
    assertThat(run.ok()).as("%s\n%s", run, journal(node)).isTrue();
    return run.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
  }

  private static JsonNode inspectPod(VmNode node, String id) throws Exception {
    CommandResult inspect = node.run(CRICTL_CMD + " inspectp -o json " + id, SLOW);
    assertThat(inspect.ok()).as("%s", inspect).isTrue();
    return JSON.readTree(inspect.stdout());
  }

  private static Map<String, String> unit(VmNode node) throws Exception {
    CommandResult show = node.run("systemctl show -p ActiveState,SubState,StatusText,MainPID,NRestarts podshim", SLOW)
        .orThrow();
    Map<String, String> properties = new LinkedHashMap<>();
    show.stdout().lines().filter(l -> l.contains("="))
        .forEach(l -> properties.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
    System.out.println("podshim-vm: systemctl show podshim: " + properties);
    return properties;
  }

  private static String journal(VmNode node) throws Exception {
    return node.run("journalctl -u podshim --no-pager -o cat", SLOW).stdout();
  }
}
