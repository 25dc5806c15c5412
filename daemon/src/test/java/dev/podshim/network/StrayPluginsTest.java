package dev.podshim.network;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.os.ProcStat;
import dev.podshim.os.TestSupport;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrayPluginsTest {

  @Test
  void findsAWholeEntryOnly() {
    byte[] environ = "PATH=/bin\0CNI_CONTAINERID=abc\0CNI_COMMAND=ADD\0".getBytes(US_ASCII);

    assertThat(StrayPlugins.hasEntry(environ, "CNI_CONTAINERID=abc\0".getBytes(US_ASCII))).isTrue();
    assertThat(StrayPlugins.hasEntry(environ, "CNI_CONTAINERID=ab\0".getBytes(US_ASCII))).isFalse();
    assertThat(StrayPlugins.hasEntry(environ, "CONTAINERID=abc\0".getBytes(US_ASCII))).isFalse();
    assertThat(StrayPlugins.hasEntry(new byte[0], "X=1\0".getBytes(US_ASCII))).isFalse();
  }

  @Test
  void killsTheProcessesOfThatContainerAndNoOther() throws Exception {
    Process mine = start("c0ffee");
    Process other = start("c0ffee2");
    try {
      assertThat(StrayPlugins.kill("c0ffee")).isEqualTo(1);

      assertThat(mine.waitFor()).isEqualTo(137);
      assertThat(other.isAlive()).isTrue();
      assertThat(StrayPlugins.kill("no-such-container")).isZero();
    } finally {
      other.destroyForcibly().waitFor();
    }
  }

  private static Process start(String containerId) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sleep", "300");
    pb.environment().putAll(Map.of("CNI_CONTAINERID", containerId, "CNI_COMMAND", "ADD"));
    Process p = pb.start();
    TestSupport.await("sleep to exec", () -> ProcStat.startTime(p.pid()).isPresent());
    return p;
  }
}
