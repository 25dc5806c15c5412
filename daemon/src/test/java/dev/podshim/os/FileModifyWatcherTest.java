package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileModifyWatcherTest {
  @TempDir Path dir;
  private final FileModifyWatcher watcher = new FileModifyWatcher("test-file-watch");

  @AfterEach
  void close() {
    watcher.close();
  }

  @Test
  void eachWriteRunsTheCallbackUntilTheWatchIsClosed() throws Exception {
    Path file = Files.writeString(dir.resolve("memory.events"), "oom_kill 0\n");
    Semaphore modified = new Semaphore(0);
    FileModifyWatcher.Watch watch = watcher.watch(file, modified::release);
    Path other = Files.writeString(dir.resolve("other"), "");
    Semaphore otherModified = new Semaphore(0);
    watcher.watch(other, otherModified::release);

    Files.writeString(file, "oom_kill 1\n");
    assertThat(modified.tryAcquire(10, TimeUnit.SECONDS)).as("callback after a write").isTrue();
    Files.writeString(file, "oom_kill 2\n");
    assertThat(modified.tryAcquire(10, TimeUnit.SECONDS)).as("callback after another write").isTrue();
    barrier(other, otherModified); // a truncating write is two modifications: let every callback run
    int before = modified.availablePermits();

    watch.close();
    assertThat(watcher.size()).isEqualTo(1);
    Files.writeString(file, "oom_kill 3\n");
    barrier(other, otherModified);

    assertThat(modified.availablePermits()).as("callbacks after close").isEqualTo(before);
  }

  /** Events come in order from one queue: once a later write's callback ran, every earlier one has. */
  private static void barrier(Path other, Semaphore otherModified) throws Exception {
    Files.writeString(other, "x");
    assertThat(otherModified.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    Thread.sleep(50); // the write's second modification event, if any
    otherModified.drainPermits();
  }

  @Test
  void aRemovedFileEndsItsWatchAndAMissingOneCannotBeWatched() throws Exception {
    Path file = Files.writeString(dir.resolve("memory.events"), "");
    watcher.watch(file, () -> { });
    Files.delete(file);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (watcher.size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(watcher.size()).as("watches after the file was removed").isZero();

    assertThatThrownBy(() -> watcher.watch(dir.resolve("missing"), () -> { }))
        .isInstanceOf(OsException.class).hasMessageContaining("missing");
  }

  @Test
  void aThrowingCallbackDoesNotStopTheOthers() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad"), "");
    Path good = Files.writeString(dir.resolve("good"), "");
    AtomicInteger badRuns = new AtomicInteger();
    Semaphore goodModified = new Semaphore(0);
    watcher.watch(bad, () -> {
      badRuns.incrementAndGet();
      throw new IllegalStateException("boom");
    });
    watcher.watch(good, goodModified::release);

    Files.writeString(bad, "x");
    Files.writeString(good, "x");

    assertThat(goodModified.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    assertThat(badRuns).hasPositiveValue();
  }
}
