package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QemuCommandTest {
  /** What QEMU runs under dies with the process that started it, even by SIGKILL (as a test JVM can). */
  @Test
  void theWrapperKillsTheCommandWhenItsParentIsKilled() throws Exception {
    List<String> child = new ArrayList<>(QemuCommand.DIES_WITH_PARENT);
    child.addAll(List.of("nice", "-n", "10", "sleep", "600"));
    Process parent = new ProcessBuilder("sh", "-c", String.join(" ", child) + " & echo $!; wait")
        .redirectErrorStream(true).start();
    long pid = Long.parseLong(parent.inputReader().readLine().trim());
    try {
      // the parent-death signal is set by setpriv before it execs on: wait for the last exec
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!command(pid).equals("sleep") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(command(pid)).isEqualTo("sleep");

      parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (alive(pid) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(alive(pid)).as("sleep %d after its parent was killed", pid).isFalse();
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static String command(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** Gone, or a zombie that the subreaper has not reaped yet. */
  private static boolean alive(long pid) throws Exception {
    Path status = Path.of("/proc/" + pid + "/status");
    return Files.exists(status) && Files.readAllLines(status).stream().noneMatch(l -> l.startsWith("State:\tZ"));
  }
}
