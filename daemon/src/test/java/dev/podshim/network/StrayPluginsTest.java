package dev.podshim.network;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.os.TestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    long mine = orphanedPlugin(id);
    long other = orphanedPlugin(id + "0");
    try {
      assertThat(StrayPlugins.kill(id)).isEqualTo(1);

      assertThat(TestSupport.goneOrZombie(mine)).isTrue();
      assertThat(TestSupport.goneOrZombie(other)).isFalse();
      assertThat(StrayPlugins.kill("no-such-container")).isZero();
    } finally {
      TestSupport.killAndReap(other);
      TestSupport.killAndReap(mine);
    }
  }

  /**
   * A plugin's process as a dead daemon leaves it: no longer a child the JVM's own process
   * reaper waits for (the shell that forked it has exited).
   */
  private static long orphanedPlugin(String containerId) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & echo $!");
    pb.environment().putAll(Map.of("CNI_CONTAINERID", containerId, "CNI_COMMAND", "ADD"));
    Process shell = pb.start();
    long pid = Long.parseLong(new String(shell.getInputStream().readAllBytes(), US_ASCII).strip());
    shell.waitFor();
    TestSupport.await("the plugin to exec sleep", () -> comm(pid).equals("sleep"));
    return pid;
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip();
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
