package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.os.Prctl;
import dev.podshim.testing.Children;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runtime create that never answers leaves nothing running. Made real with runc#5087: a seccomp
 * default action of SCMP_ACT_KILL kills one thread of {@code runc init}, the rest keep it alive
 * and {@code runc create} waits on it for good. Needs root, runc, conmon and a static busybox.
 */
class ConmonCreateTimeoutTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path RUNC = Path.of("/usr/sbin/runc");

  @TempDir Path tmp;

  @Test
  void aCreateThatNeverAnswersIsKilledWithConmonAndTheHalfMadeContainer() throws Exception {
    Prctl.setChildSubreaper();
    String id = "timeout-" + UUID.randomUUID().toString().substring(0, 8);
    Path bundle = bundleWithKillThreadSeccomp(tmp.resolve("bundle"));
    Path dir = Files.createDirectories(tmp.resolve("container"));
    OciRuntime runc = new OciRuntime("runc", RUNC, tmp.resolve("runc-state"), false);
    Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), "info", Duration.ofSeconds(5));
    try {
      assertThatThrownBy(() -> conmon.create(new ConmonSpec(id, "timeout", runc, bundle, dir,
          Files.createDirectories(tmp.resolve("sockets")), null, false, false, false)))
          .isInstanceOf(OciException.class).hasMessageContaining("no answer from runc create within 5s");
      assertThat(processesOf(id)).as("conmon, runc create and runc init of " + id).isEmpty();
    } finally {
      new ProcessBuilder(RUNC.toString(), "--root", tmp.resolve("runc-state").toString(), "delete", "--force", id)
          .inheritIO().start().waitFor(30, TimeUnit.SECONDS);
      Children.reapExited();
    }
  }

  /** busybox sleeping, but allowed only read, write and exit: runc init dies (in part) before it. */
  private static Path bundleWithKillThreadSeccomp(Path bundle) throws IOException, InterruptedException {
    Files.createDirectories(bundle.resolve("rootfs/bin"));
    Files.copy(Path.of("/bin/busybox"), bundle.resolve("rootfs/bin/busybox"));
    new ProcessBuilder(RUNC.toString(), "spec").directory(bundle.toFile()).inheritIO().start().waitFor();
    ObjectNode config = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ObjectNode process = (ObjectNode) config.get("process");
    process.put("terminal", false);
    process.putArray("args").add("/bin/busybox").add("sleep").add("30");
    ObjectNode seccomp = ((ObjectNode) config.get("linux")).putObject("seccomp");
    seccomp.put("defaultAction", "SCMP_ACT_KILL");
    seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
    ArrayNode names = seccomp.putArray("syscalls").addObject().put("action", "SCMP_ACT_ALLOW").putArray("names");
    List.of("read", "write", "exit", "exit_group").forEach(names::add);
    JSON.writeValue(bundle.resolve("config.json").toFile(), config);
    return bundle;
  }

  /** A half-dead runc init is a zombie leader whose other threads still run. */
  private static boolean anyThreadAlive(Path proc) throws IOException {
    try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String stat = Files.readString(task.resolve("stat"));
        if (stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
          return true;
        }
      }
    }
    return false;
  }

  /** Live processes (a thread not a zombie) that name the container or run inside its cgroup. */
  private static List<Long> processesOf(String id) throws IOException {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : (Iterable<Path>) procs.filter(q -> q.getFileName().toString().matches("\\d+"))::iterator) {
        try {
          String cmdline = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          String cgroup = Files.readString(p.resolve("cgroup"));
          if ((cmdline.contains(id) || cgroup.contains("/" + id + "\n")) && anyThreadAlive(p)) {
            pids.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return pids;
  }
}
