package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.e2e.Podshimd;
import dev.podshim.image.ImageTestRegistry;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroup v2 for real, on the packaged daemon in a Debian 13 VM: the same pod, limits, stats, update
 * and OOM kill under the systemd cgroup driver (what the package picks there by itself) and then
 * under cgroupfs, each read back from the kernel's files; crun the default handler and runc
 * selectable; Create+Start timed with both. One VM, one guest script per driver
 * ({@code cgroup-v2-checks.sh}), since every command costs seconds under emulation.
 */
@ExtendWith(RequiresQemu.class)
class CgroupV2OnModernNodeTest {
  private static final Path CRICTL = Podshimd.PROJECT.resolve("../shared/tools/crictl").normalize();
  private static final Duration SLOW = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String IMAGE = "registry.k8s.io/e2e-test-images/busybox:1.29-2";
  private static final String UID = "0c5bd9a4-11f2-4b6c-9f5e-3b7a2f0e9d11";
  private static final int BENCH_ROUNDS = 5;

  @TempDir Path dir;

  @Test
  void limitsStatsUpdatesAndOomKillsOnBothDriversWithCrunTheDefault() throws Exception {
    Path deb = builtPackage();
    try (ImageTestRegistry registry = ImageTestRegistry.start(dir.resolve("registry"))) {
      registry.pushBusybox("e2e-test-images/busybox", "1.29-2");
      int port = Integer.parseInt(registry.host().substring(registry.host().lastIndexOf(':') + 1));
      try (VmNode node = VmNode.restore(VmNodes.saved(), List.of(port))) {
        Path script = dir.resolve("cgroup-v2-checks.sh");
        try (InputStream in = getClass().getResourceAsStream("cgroup-v2-checks.sh")) {
          Files.write(script, in.readAllBytes());
        }
        node.copyIn(deb, "/root/podshim_amd64.deb");
        node.copyIn(CRICTL, "/usr/local/bin/crictl");
        node.copyIn(script, "/root/cgroup-v2-checks.sh");
        long start = System.nanoTime();
        // the package's own config, plus the host's registry as the mirror of registry.k8s.io
        node.run("cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y ./podshim_amd64.deb >/dev/null 2>&1"
            + " && printf '\\n[registry.mirrors.\"registry.k8s.io\"]\\nendpoints = [\"http://" + VmNode.HOST_ADDRESS + ":"
            + port + "\"]\\n' >> /etc/podshim/podshim.toml && systemctl enable --now podshim 2>&1", Duration.ofMinutes(15))
            .orThrow();
        VmTimings.report("install and start the package", start);

        start = System.nanoTime();
        Map<String, List<String>> systemd = checks(node, "systemd", BENCH_ROUNDS);
        VmTimings.report("cgroup v2 checks, systemd driver (with " + BENCH_ROUNDS + " Create+Start rounds per runtime)",
            start);
        report(systemd);
        start = System.nanoTime();
        node.run("sed -i '1i cgroup_driver = \"cgroupfs\"' /etc/podshim/podshim.toml && systemctl restart podshim"
            + " && systemctl is-active podshim", SLOW).orThrow();
        Map<String, List<String>> cgroupfs = checks(node, "cgroupfs", 0);
        VmTimings.report("cgroup v2 checks, cgroupfs driver", start);
        // both drivers ran before anything is judged: one VM run shows every difference
        assertThat(one(systemd, "runtime-config")).contains("cgroupdriver:SYSTEMD");
        // Status (verbose) shows the config in force: the driver and the default handler the node gave
        assertThat(one(systemd, "status")).containsIgnoringCase("\"cgroupDriver\":\"systemd\"")
            .contains("\"defaultRuntime\":\"crun\"");
        String pod = one(systemd, "pod");
        String lim = one(systemd, "limited");
        String podSlice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + UID.replace('-', '_') + ".slice";
        assertThat(one(systemd, "pause.cgroup")).isEqualTo("0::" + podSlice + "/podshim-" + pod + ".scope");
        assertThat(one(systemd, "limited.dir")).isEqualTo("/sys/fs/cgroup" + podSlice + "/podshim-" + lim + ".scope");
        // systemd owns both scopes, in the pod's slice
        assertThat(systemd.get("scope.limited")).contains("ActiveState=active",
            "Slice=kubepods-burstable-pod" + UID.replace('-', '_') + ".slice",
            "ControlGroup=" + podSlice + "/podshim-" + lim + ".scope");
        assertThat(systemd.get("scope.pause")).contains("ActiveState=active",
            "ControlGroup=" + podSlice + "/podshim-" + pod + ".scope");
        assertThat(String.join("\n", systemd.get("cgls"))).contains("podshim-" + pod + ".scope",
            "podshim-" + lim + ".scope");
        assertThat(one(systemd, "restart.pod")).isEqualTo("SANDBOX_READY");
        assertThat(one(systemd, "restart.limited")).isEqualTo("CONTAINER_RUNNING");
        assertThat(one(systemd, "restart.scopes")).isEqualTo("active active ");
        assertThat(one(systemd, "after.pause.scope")).as("the pause scope goes with pause").doesNotContain("=active");
        assertLimitsStatsUpdateAndOom("systemd", systemd);
        assertHandlers(systemd);

        assertThat(one(cgroupfs, "runtime-config")).contains("cgroupdriver:CGROUPFS");
        assertThat(one(cgroupfs, "status")).containsIgnoringCase("\"cgroupDriver\":\"cgroupfs\"");
        assertThat(one(cgroupfs, "pause.cgroup"))
            .isEqualTo("0::/kubepods/burstable/pod" + UID + "/" + one(cgroupfs, "pod"));
        assertThat(one(cgroupfs, "limited.dir"))
            .isEqualTo("/sys/fs/cgroup/kubepods/burstable/pod" + UID + "/" + one(cgroupfs, "limited"));
        assertLimitsStatsUpdateAndOom("cgroupfs", cgroupfs);
        assertHandlers(cgroupfs);
      }
    }
  }

  private static void assertLimitsStatsUpdateAndOom(String driver, Map<String, List<String>> seen) throws Exception {
    // crun under systemd runs the process in a cgroup "container" below its scope, and binds it there
    assertThat(one(seen, "limited.leaf")).as(driver).isIn(one(seen, "limited.dir"), one(seen, "limited.dir") + "/container");
    assertThat(one(seen, "runclimited.leaf")).as(driver).doesNotEndWith("/container");
    // from the CRI values, by crun and by runc alike: quota/period, shares 512 as weight 20 (their
    // conversion 1 + ((shares - 2) * 9999) / 262142), swap as memory+swap less memory
    for (String ctr : List.of("limited", "runclimited")) {
      assertThat(one(seen, ctr + ".cpu.max")).as(driver + " " + ctr).isEqualTo("50000 100000");
      assertThat(one(seen, ctr + ".cpu.weight")).as(driver + " " + ctr).isEqualTo("20");
      assertThat(one(seen, ctr + ".memory.max")).as(driver + " " + ctr).isEqualTo("67108864");
      assertThat(one(seen, ctr + ".memory.swap.max")).as(driver + " " + ctr).isEqualTo("33554432");
      assertThat(one(seen, ctr + ".memory.high")).as(driver + " " + ctr).isEqualTo("50331648");
      assertThat(one(seen, ctr + ".pids.max")).as(driver + " " + ctr).isEqualTo("64");
      assertThat(one(seen, ctr + ".hugetlb.2MB.max")).as(driver + " " + ctr).isEqualTo("4194304");
    }

    JsonNode stats = JSON.readTree(one(seen, "stats.limited")).path("stats").path(0);
    long[] before = numbers(one(seen, "limited.before"));
    long[] after = numbers(one(seen, "limited.after"));
    long cpuNanos = stats.path("cpu").path("usageCoreNanoSeconds").path("value").asLong();
    assertThat(cpuNanos).as(driver + " CPU of %s", stats).isBetween(before[0] * 1000, after[0] * 1000);
    long memory = stats.path("memory").path("usageBytes").path("value").asLong();
    assertThat(memory).as(driver + " memory of %s", stats).isBetween(Math.min(before[1], after[1]),
        Math.max(before[1], after[1]));
    JsonNode podStats = JSON.readTree(one(seen, "stats.pod")).path("stats").path(0).path("linux");
    long podMemory = podStats.path("memory").path("usageBytes").path("value").asLong();
    assertThat(podMemory).as(driver + " pod memory of %s", podStats)
        .isBetween(Math.min(numbers(one(seen, "pod.before"))[0], numbers(one(seen, "pod.after"))[0]) / 2,
            Math.max(numbers(one(seen, "pod.before"))[0], numbers(one(seen, "pod.after"))[0]) * 2);
    assertThat(podStats.path("containers").size()).as(driver + " containers of %s", podStats).isGreaterThanOrEqualTo(1);

    assertThat(one(seen, "updated.memory.max")).as(driver).isEqualTo("83886080");
    assertThat(one(seen, "updated.cpu.max")).as(driver).isEqualTo("30000 100000");
    assertThat(one(seen, "updated.cpu.weight")).as(driver).isEqualTo("39");
    // the update left swap unset: memory+swap stays 96 MiB, so 16 MiB of swap beside 80 MiB
    assertThat(one(seen, "updated.memory.swap.max")).as(driver).isEqualTo("16777216");
    assertThat(one(seen, "updated.pids.max")).as(driver).isEqualTo("64");

    assertThat(one(seen, "oom.state")).as(driver).isEqualTo("CONTAINER_EXITED");
    // under systemd the scope, and its memory.events, is gone by the time the exit is recorded:
    // the kill must have been seen while the container ran
    assertThat(one(seen, "oom.reason")).as(driver).isEqualTo("OOMKilled");
    assertThat(one(seen, "oom.exitCode")).as(driver).isEqualTo("137");
    assertThat(Long.parseLong(one(seen, "pod.oom_kill"))).as(driver + ": the pod's count holds its containers' kills")
        .isGreaterThanOrEqualTo(1);
    assertThat(one(seen, "after.limited.dir")).as(driver + ": the container's cgroup goes with it").isEqualTo("gone");
  }

  private static void assertHandlers(Map<String, List<String>> seen) {
    assertThat(one(seen, "limited.handler")).as("the default handler on a v2 node with crun").isEqualTo("crun");
    assertThat(one(seen, "runc.handler")).isEqualTo("runc");
    // each runtime keeps its containers in a state directory of its own under podshim's root
    assertThat(one(seen, "crun.list")).contains(one(seen, "limited"));
    assertThat(one(seen, "runc.list")).doesNotContain(one(seen, "limited")).isNotBlank();
  }

  /** The Create+Start figures, the script's wall clock (crictl included) and the daemon's own. */
  private static void report(Map<String, List<String>> seen) {
    Map<String, Double> rpcMillis = new LinkedHashMap<>();
    Pattern line = Pattern.compile(
        "rpc=\"?(CreateContainer|StartContainer)\"? .*container_id=\"?([0-9a-f]+)\"? .*duration_ms=\"?([0-9.]+)");
    for (String l : seen.getOrDefault("rpclog", List.of())) {
      Matcher m = line.matcher(l);
      if (m.find()) {
        rpcMillis.merge(m.group(2), Double.parseDouble(m.group(3)), Double::sum);
      }
    }
    for (String handler : List.of("crun", "runc")) {
      List<Double> daemon = new ArrayList<>();
      List<Long> wall = new ArrayList<>();
      for (String entry : seen.getOrDefault("bench." + handler, List.of())) {
        String[] parts = entry.split(" ");
        wall.add(Long.parseLong(parts[1]));
        daemon.add(rpcMillis.getOrDefault(parts[0], Double.NaN));
      }
      assertThat(wall).as(handler).hasSize(BENCH_ROUNDS);
      System.out.printf("podshim-vm: Create+Start with %s: daemon ms %s (median %.0f); crictl wall ms %s%n", handler,
          daemon, median(daemon), wall);
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() / 2);
  }

  private static Map<String, List<String>> checks(VmNode node, String driver, int rounds) throws Exception {
    CommandResult run = node.run("bash /root/cgroup-v2-checks.sh " + driver + " " + UID + " " + IMAGE + " " + rounds
        + " 2>&1", Duration.ofMinutes(12));
    System.out.println("podshim-vm: cgroup v2 checks, " + driver + " driver:\n" + run.stdout());
    assertThat(run.ok() && run.stdout().contains("\nDONE")).as("%s", run).isTrue();
    Map<String, List<String>> seen = new LinkedHashMap<>();
    for (String l : run.stdout().split("\n")) {
      int eq = l.indexOf('=');
      int colon = l.indexOf(": ");
      if (colon > 0 && (eq < 0 || colon < eq)) {
        seen.computeIfAbsent(l.substring(0, colon), k -> new ArrayList<>()).add(l.substring(colon + 2));
      } else if (eq > 0) {
        seen.computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
      }
    }
    return seen;
  }

  private static String one(Map<String, List<String>> seen, String key) {
    List<String> values = seen.get(key);
    assertThat(values).as("the script's %s", key).isNotNull().hasSize(1);
    return values.getFirst();
  }

  private static long[] numbers(String text) {
    return java.util.Arrays.stream(text.trim().split(" ")).mapToLong(Long::parseLong).toArray();
  }

  private static Path builtPackage() {
    if (System.getenv("CI") == null) {
      assumeThat(Podshimd.usePackage()).as("no fresh " + Podshimd.DEB + ": build it with ./mvnw -B install -Pdeb"
          + " (scripts/test.sh does)").isTrue();
    }
    assertThat(Podshimd.usePackage()).as("a fresh %s (the VM tests need -Pdeb)", Podshimd.DEB).isTrue();
    assertThat(CRICTL).as("crictl is expected at ../shared/tools/crictl beside the project").isExecutable();
    return Podshimd.DEB;
  }
}
