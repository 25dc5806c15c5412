package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcStatTest {

  @TempDir Path dir;

  @Test
  void readsTheStartTimeOfThisProcess() {
    long pid = ProcessHandle.current().pid();

    assertThat(ProcStat.startTime(pid).orElseThrow()).isPositive();
    assertThat(ProcStat.startTime(pid)).isEqualTo(ProcStat.startTime(pid));
  }

  @Test
  void readsTheStartTimeWhenTheNameHasSpacesAndParentheses() throws Exception {
    Path sleep = Files.copy(TestSupport.requireTool("sleep", "coreutils"), dir.resolve("a) b (c)"));
    Process process = new ProcessBuilder(sleep.toString(), "1000").start();
    try {
      long pid = process.pid();
      assertThat(Path.of("/proc", Long.toString(pid), "comm")).hasContent("a) b (c)");

      long ours = ProcStat.startTime(ProcessHandle.current().pid()).orElseThrow();
      assertThat(ProcStat.startTime(pid).orElseThrow()).isGreaterThanOrEqualTo(ours);
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  @Test
  void parsesFieldTwentyTwoAfterTheLastParenthesis() {
    String line = "4242 (x) S 1 (y) R 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
        + "987654 12345 67 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0";

    assertThat(ProcStat.parseStartTime(line)).isEqualTo(987654);
    assertThatThrownBy(() -> ProcStat.parseStartTime("4242 (x) S 1"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void isEmptyForAProcessThatIsGone() throws Exception {
    Process process = new ProcessBuilder("true").start();
    process.waitFor();

    assertThat(ProcStat.startTime(process.pid())).isEmpty();
    assertThat(ProcStat.startTime(0)).isEmpty();
    assertThat(ProcStat.startTime(-1)).isEmpty();
  }
}
