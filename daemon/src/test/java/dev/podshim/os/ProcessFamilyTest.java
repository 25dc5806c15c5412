package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessFamilyTest {

  private static ProcessFamily.Row row(long pid, char state, long ppid, long session) {
    return new ProcessFamily.Row(pid, state, ppid, session, 1000 + pid);
  }

  @Test
  void theSessionAndEveryDescendantDeepestLast() {
    List<ProcessFamily.Row> all = List.of(
        row(1, 'S', 0, 1), // the container's init
        row(10, 'S', 9, 10), // the exec, child of the runtime outside the container
        row(11, 'S', 10, 10), // its foreground child
        row(12, 'S', 11, 12), // a grandchild that made a session of its own
        row(13, 'S', 1, 10), // a background job orphaned to init: still in the session
        row(14, 'Z', 1, 10), // an orphan nobody reaped
        row(20, 'S', 1, 20)); // another process of the container
    List<List<Long>> levels = ProcessFamily.members(all, 10).stream()
        .map(level -> level.stream().map(ProcessFamily.Row::pid).toList()).toList();
    assertThat(levels).containsExactly(List.of(10L, 13L), List.of(11L), List.of(12L));
  }

  @Test
  void aSessionWhoseLeaderIsGoneIsStillFound() {
    assertThat(ProcessFamily.members(List.of(row(1, 'S', 0, 1), row(13, 'S', 1, 10)), 10)).hasSize(1);
    assertThat(ProcessFamily.members(List.of(row(1, 'S', 0, 1)), 10)).isEmpty();
  }

  @Test
  void parsesAStatLineWhoseNameHoldsParentheses() {
    ProcessFamily.Row row = ProcessFamily.parse(
        "4242 (a) b (c) S 7 4242 4243 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1 2");
    assertThat(row).isEqualTo(new ProcessFamily.Row(4242, 'S', 7, 4243, 987654));
  }

  @Test
  void killsARealSessionWithItsOrphansAndLeavesItsParent() throws Exception {
    Path sh = TestSupport.requireTool("sh", "dash");
    // setsid makes sh a session leader, as runc exec does; the subshell orphans a sleep that keeps the
    // session (dash then execs the last sleep: two processes)
    Process leader = new ProcessBuilder(TestSupport.requireTool("setsid", "util-linux").toString(), sh.toString(),
        "-c", "(sleep 100 &) ; sleep 100").start();
    try {
      long pid = leader.pid();
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (ProcessFamily.members(ProcessFamily.scan(), pid).stream().mapToLong(List::size).sum() < 2
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long self = ProcessHandle.current().pid();
      assertThat(ProcessFamily.kill(pid, self)).isGreaterThanOrEqualTo(2);
      leader.waitFor();
      assertThat(ProcessFamily.members(ProcessFamily.scan(), pid)).as("nothing of the session is alive").isEmpty();
      assertThat(ProcessHandle.current().isAlive()).isTrue();
    } finally {
      leader.destroyForcibly().waitFor();
    }
  }
}
