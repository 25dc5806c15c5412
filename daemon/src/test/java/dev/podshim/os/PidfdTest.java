package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PidfdTest {

  @TempDir Path dir;

  private final List<Long> spawned = new ArrayList<>();

  @AfterEach
  void killSpawned() {
    spawned.forEach(TestSupport::killAndReap);
  }

  @Test
  void watchesSignalsAndReapsAChild() {
    try (Pidfd pidfd = Pidfd.open(spawn("sleep 1000"))) {
      assertThat(pidfd.isAlive()).isTrue();
      assertThat(pidfd.tryReap()).isEmpty(); // still running

      pidfd.signal(Pidfd.SIGTERM);
      TestSupport.awaitExit(pidfd);

      assertThat(pidfd.isAlive()).isFalse();
      assertThat(pidfd.tryReap()).hasValue(128 + Pidfd.SIGTERM);
      assertThat(pidfd.tryReap()).isEmpty(); // already reaped: ECHILD
      pidfd.signal(Pidfd.SIGKILL); // gone: ESRCH is not an error
    }
  }

  @Test
  void reportsSigkillAs137() {
    try (Pidfd pidfd = Pidfd.open(spawn("sleep 1000"))) {
      pidfd.signal(Pidfd.SIGKILL);
      TestSupport.awaitExit(pidfd);

      assertThat(pidfd.tryReap()).hasValue(137);
    }
  }

  @Test
  void reportsTheExitCodeOfANormalExit() throws IOException {
    Path fifo = dir.resolve("go");
    TestSupport.run("mkfifo", fifo.toString());
    try (Pidfd pidfd = Pidfd.open(spawn("sh -c 'read x <" + fifo + "; exit 7'"))) {
      // Opening blocks until the child opens its end: it cannot have exited before.
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write("go\n".getBytes(StandardCharsets.US_ASCII));
      }
      TestSupport.awaitExit(pidfd);

      assertThat(pidfd.tryReap()).hasValue(7);
    }
  }

  @Test
  void doesNotReapAProcessThatIsNotOurChild() {
    try (Pidfd init = Pidfd.open(1)) {
      assertThat(init.pid()).isEqualTo(1);
      assertThat(init.fd()).isNotNegative();
      assertThat(init.isAlive()).isTrue();
      assertThat(init.tryReap()).isEmpty(); // ECHILD
    }
  }

  @Test
  void openingAMissingProcessIsEsrch() throws Exception {
    Process process = new ProcessBuilder("true").start();
    process.waitFor(); // Java reaps it: the pid is free
    long pid = process.pid();

    assertThatThrownBy(() -> Pidfd.open(pid))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ESRCH))
        .hasMessage("pidfd_open " + pid + ": No such process");
  }

  @Test
  void closeIsIdempotentAndEndsUse() {
    long pid = spawn("sleep 1000");
    Pidfd pidfd = Pidfd.open(pid);
    pidfd.close();
    pidfd.close();

    assertThatThrownBy(pidfd::isAlive).isInstanceOf(IllegalStateException.class);
    // a stop racing the exit finds the pidfd closed: a no-op that reaches no process
    pidfd.signal(Pidfd.SIGKILL);
    try (Pidfd again = Pidfd.open(pid)) {
      assertThat(again.isAlive()).isTrue();
    }
  }

  private long spawn(String command) {
    long pid = TestSupport.spawnOrphans(1, command).getFirst();
    spawned.add(pid);
    return pid;
  }
}
