package dev.podshim.os;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SdNotifyTest {

  // Binds a unix datagram socket, says so, then prints the first datagram it receives.
  private static final String RECEIVER = """
      import socket, sys
      name = sys.argv[1]
      s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
      s.bind('\\0' + name[1:] if name.startswith('@') else name)
      print('bound', flush=True)
      s.settimeout(%d)
      print(s.recv(4096).decode(), flush=True)
      """.formatted(TestSupport.WAIT.toSeconds());

  @TempDir Path dir;

  @Test
  void sendsToAPathSocket() throws Exception {
    String socket = dir.resolve("notify.sock").toString();

    assertThat(receive(socket, "READY=1")).isEqualTo("READY=1");
  }

  @Test
  void sendsToAnAbstractSocket() throws Exception {
    String socket = "@podshim-test-" + UUID.randomUUID();

    String state = "STATUS=recovering 3 sandboxes";

    assertThat(receive(socket, state)).isEqualTo(state);
  }

  @Test
  void doesNothingWithoutNotifySocket() {
    assertThat(SdNotify.notify("READY=1", Map.of())).isFalse();
    assertThat(SdNotify.notify("READY=1", Map.of("NOTIFY_SOCKET", ""))).isFalse();
  }

  @Test
  void failsForAnAddressItCannotUse() {
    assertThatThrownBy(() -> SdNotify.notify("READY=1", Map.of("NOTIFY_SOCKET", "vsock:2:1234")))
        .isInstanceOf(OsException.class)
        .hasMessageContaining("vsock:2:1234");
    assertThatThrownBy(() -> SdNotify.notify("READY=1",
            Map.of("NOTIFY_SOCKET", dir.resolve("nobody-listens").toString())))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT));
  }

  @Test
  void readsTheWatchdogIntervalMeantForThisProcess() {
    assertThat(SdNotify.watchdogIntervalMicros(Map.of("WATCHDOG_USEC", "30000000"), 42))
        .hasValue(30_000_000);
    assertThat(SdNotify.watchdogIntervalMicros(
        Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "42"), 42)).hasValue(30_000_000);
    assertThat(SdNotify.watchdogIntervalMicros(
        Map.of("WATCHDOG_USEC", "30000000", "WATCHDOG_PID", "43"), 42)).isEmpty();
    assertThat(SdNotify.watchdogIntervalMicros(Map.of(), 42)).isEmpty();
    assertThat(SdNotify.watchdogIntervalMicros(Map.of("WATCHDOG_USEC", "soon"), 42)).isEmpty();
    assertThat(SdNotify.watchdogIntervalMicros(Map.of("WATCHDOG_USEC", "0"), 42)).isEmpty();
  }

  private static String receive(String socket, String state) throws Exception {
    TestSupport.requireTool("python3", "python3");
    Process receiver = new ProcessBuilder("python3", "-c", RECEIVER, socket)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(receiver.getInputStream(), UTF_8))) {
      assertThat(out.readLine()).isEqualTo("bound");

      assertThat(SdNotify.notify(state, Map.of("NOTIFY_SOCKET", socket))).isTrue();

      return out.readLine();
    } finally {
      receiver.destroyForcibly().waitFor();
    }
  }
}
