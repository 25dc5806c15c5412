package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OomWatch against a directory shaped like a cgroup v2 memory cgroup: the kernel's memory.events
 * is a file whose changes inotify reports, as a regular file's are. The real cgroup v2 case, with
 * systemd removing the scope, runs in the VM node (CgroupV2OnModernNodeTest).
 */
class OomWatchTest {
  private static final String EVENTS = "low 0\nhigh 0\nmax 3\noom 1\noom_kill %d\noom_group_kill 0\n";
  @TempDir Path dir;
  private final OomWatch watch = new OomWatch();

  @AfterEach
  void close() {
    watch.close();
  }

  @Test
  void aKillSeenWhileTheCgroupExistedOutlivesTheCgroup() throws Exception {
    Path cgroup = Files.createDirectories(dir.resolve("podshim-abc.scope"));
    Path events = Files.writeString(cgroup.resolve("memory.events"), EVENTS.formatted(0));
    watch.watch("abc", cgroup);
    assertThat(watch.killed("abc", false)).isFalse();

    Files.writeString(events, EVENTS.formatted(1));
    awaitKilled("abc");
    Files.delete(events);
    Files.delete(cgroup); // as systemd removes the scope once its last process is gone

    assertThat(watch.killed("abc", false)).isTrue();
    assertThat(ContainerExits.oomKills(cgroup)).as("what reading at exit would see").isZero();
    watch.forget("abc");
    assertThat(watch.killed("abc", false)).isFalse();
  }

  @Test
  void aKillBeforeTheWatchBeganCountsAndV1OrUnknownCgroupsAreNotWatched() throws Exception {
    Path cgroup = Files.createDirectories(dir.resolve("early"));
    Files.writeString(cgroup.resolve("memory.events"), EVENTS.formatted(2));
    watch.watch("early", cgroup);
    assertThat(watch.killed("early", false)).isTrue();

    Path v1 = Files.createDirectories(dir.resolve("v1"));
    Files.writeString(v1.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    watch.watch("v1", v1);
    watch.watch("unknown", null);
    assertThat(watch.killed("v1", false)).isFalse();
    assertThat(watch.killed("unknown", false)).isFalse();
  }

  @Test
  void aKillWhoseNoticeWasLostIsTakenFromThePodsCountByOneSigkilledContainer() throws Exception {
    Path pod = Files.createDirectories(dir.resolve("kubepods-pod1.slice"));
    Path podEvents = Files.writeString(pod.resolve("memory.events"), EVENTS.formatted(1)); // an older kill
    Path a = Files.createDirectories(pod.resolve("podshim-a.scope"));
    Path b = Files.createDirectories(pod.resolve("podshim-b.scope"));
    Files.writeString(a.resolve("memory.events"), EVENTS.formatted(0));
    Files.writeString(b.resolve("memory.events"), EVENTS.formatted(0));
    watch.watch("a", a);
    watch.watch("b", b);

    // a is OOM-killed; systemd removes its scope before the kernel's notice of the kill arrives
    Files.delete(a.resolve("memory.events"));
    Files.delete(a);
    Files.writeString(podEvents, EVENTS.formatted(2));

    assertThat(watch.killed("a", false)).as("exit 1 is not the OOM killer's").isFalse();
    assertThat(watch.killed("a", true)).isTrue();
    assertThat(watch.killed("b", true)).as("the pod's one new kill is a's").isFalse();
    watch.forget("a");
    watch.forget("b");
  }

  @Test
  void aKillItsOwnWatchSawIsNotClaimedAgainByAnotherContainer() throws Exception {
    Path pod = Files.createDirectories(dir.resolve("kubepods-pod2.slice"));
    Path podEvents = Files.writeString(pod.resolve("memory.events"), EVENTS.formatted(0));
    Path a = Files.createDirectories(pod.resolve("podshim-a.scope"));
    Path b = Files.createDirectories(pod.resolve("podshim-b.scope"));
    Path aEvents = Files.writeString(a.resolve("memory.events"), EVENTS.formatted(0));
    Files.writeString(b.resolve("memory.events"), EVENTS.formatted(0));
    watch.watch("a", a);
    watch.watch("b", b);

    Files.writeString(podEvents, EVENTS.formatted(1));
    Files.writeString(aEvents, EVENTS.formatted(1));
    awaitKilled("a");

    assertThat(watch.killed("b", true)).as("b was SIGKILLed by something else").isFalse();
    assertThat(watch.killed("a", true)).isTrue();
  }

  private void awaitKilled(String id) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!watch.killed(id, false) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(watch.killed(id, false)).as("OOM kill seen from memory.events").isTrue();
  }
}
