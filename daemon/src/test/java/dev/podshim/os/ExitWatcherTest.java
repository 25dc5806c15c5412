package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExitWatcherTest {

  private final ExitWatcher watcher = new ExitWatcher();
  private final List<Pidfd> pidfds = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    watcher.close();
    pidfds.forEach(TestSupport::killAndReap);
  }

  @Test
  void firesOncePerProcessWhateverTheOrderTheyDieIn() throws Exception {
    List<Pidfd> processes = open(TestSupport.spawnOrphans(50, "sleep 1000"));
    CountDownLatch exited = new CountDownLatch(processes.size());
    Set<Long> firedFor = ConcurrentHashMap.newKeySet();
    Set<Long> firedTwice = ConcurrentHashMap.newKeySet();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    for (Pidfd pidfd : processes) {
      watcher.watch(pidfd, () -> {
        if (!firedFor.add(pidfd.pid())) {
          firedTwice.add(pidfd.pid());
        }
        threads.add(Thread.currentThread().getName());
        exited.countDown();
      });
    }

    List<Pidfd> killOrder = new ArrayList<>(processes);
    Collections.shuffle(killOrder, new Random(42));
    Map<Long, Integer> signals = new HashMap<>();
    for (int i = 0; i < killOrder.size(); i++) {
      int signal = i % 2 == 0 ? Pidfd.SIGTERM : Pidfd.SIGKILL;
      signals.put(killOrder.get(i).pid(), signal);
      killOrder.get(i).signal(signal);
    }

    assertThat(exited.await(TestSupport.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(firedFor).containsExactlyInAnyOrderElementsOf(
        processes.stream().map(Pidfd::pid).toList());
    assertThat(firedTwice).isEmpty();
    assertThat(threads).containsExactly("podshim-exit-watcher");
    for (Pidfd pidfd : processes) {
      assertThat(pidfd.tryReap()).hasValue(128 + signals.get(pidfd.pid()));
    }
  }

  @Test
  void firesAtOnceForAProcessThatHasAlreadyExited() throws Exception {
    Pidfd pidfd = open(TestSupport.spawnOrphans(1, "sleep 1000")).getFirst();
    pidfd.signal(Pidfd.SIGKILL);
    TestSupport.awaitExit(pidfd);
    CountDownLatch exited = new CountDownLatch(1);

    watcher.watch(pidfd, exited::countDown);

    assertThat(exited.await(TestSupport.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void anUnwatchedProcessDoesNotFire() throws Exception {
    List<Pidfd> processes = open(TestSupport.spawnOrphans(2, "sleep 1000"));
    Pidfd unwatched = processes.get(0);
    Pidfd watched = processes.get(1);
    CountDownLatch wrongly = new CountDownLatch(1);
    CountDownLatch exited = new CountDownLatch(1);
    watcher.watch(unwatched, wrongly::countDown);
    watcher.unwatch(unwatched);
    watcher.unwatch(unwatched); // no-op

    unwatched.signal(Pidfd.SIGKILL);
    TestSupport.awaitExit(unwatched);
    watcher.watch(watched, exited::countDown);
    watched.signal(Pidfd.SIGKILL);

    // Had the first stayed registered, its event would have come no later than this one's.
    assertThat(exited.await(TestSupport.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(wrongly.getCount()).isEqualTo(1);
  }

  @Test
  void aFailingCallbackDoesNotStopTheLoop() throws Exception {
    List<Pidfd> processes = open(TestSupport.spawnOrphans(2, "sleep 1000"));
    CountDownLatch failed = new CountDownLatch(1);
    CountDownLatch exited = new CountDownLatch(1);
    watcher.watch(processes.get(0), () -> {
      failed.countDown();
      throw new IllegalStateException("callback failure (expected by the test)");
    });
    processes.get(0).signal(Pidfd.SIGKILL);
    assertThat(failed.await(TestSupport.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

    watcher.watch(processes.get(1), exited::countDown);
    processes.get(1).signal(Pidfd.SIGKILL);

    assertThat(exited.await(TestSupport.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(watcher.isRunning()).isTrue();
  }

  @Test
  void watchingTwiceIsRejected() {
    Pidfd pidfd = open(TestSupport.spawnOrphans(1, "sleep 1000")).getFirst();
    watcher.watch(pidfd, () -> {});

    assertThatThrownBy(() -> watcher.watch(pidfd, () -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void closeStopsTheThread() {
    Pidfd pidfd = open(TestSupport.spawnOrphans(1, "sleep 1000")).getFirst();
    watcher.watch(pidfd, () -> {});

    watcher.close();
    watcher.close();

    assertThat(watcher.isRunning()).isFalse();
    assertThatThrownBy(() -> watcher.watch(pidfd, () -> {}))
        .isInstanceOf(IllegalStateException.class);
    watcher.unwatch(pidfd); // no-op once closed
  }

  private List<Pidfd> open(List<Long> pids) {
    List<Pidfd> opened = new ArrayList<>();
    for (long pid : pids) {
      Pidfd pidfd = Pidfd.open(pid);
      pidfds.add(pidfd);
      opened.add(pidfd);
    }
    return opened;
  }
}
