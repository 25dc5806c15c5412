package dev.podshim.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpawnTest {

  private static final Duration TIMEOUT = TestSupport.WAIT;
  private static final String SH = "/bin/sh";

  @TempDir Path dir;

  @Test
  void startsInTheDirectoryItIsGiven(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Spawn.Result result = Spawn.run(new SpawnSpec(List.of(SH, "-c", "pwd"), List.of(), List.of(), TIMEOUT).in(dir));
    assertThat(result.stdout().strip()).isEqualTo(dir.toString());
  }

  @Test
  void capturesStdoutStderrAndTheExitCode() {
    Spawn.Result result = Spawn.run(List.of(SH, "-c", "echo out; echo err >&2; exit 7"), TIMEOUT);

    assertThat(result).isEqualTo(new Spawn.Result(7, "out\n", "err\n"));
  }

  @Test
  void reportsDeathBySignalAs128PlusTheSignal() {
    Spawn.Result result = Spawn.run(List.of(SH, "-c", "kill -9 $$"), TIMEOUT);

    assertThat(result.exitStatus()).isEqualTo(128 + Pidfd.SIGKILL);
  }

  @Test
  void passesArgumentsAsTheyAre() {
    Spawn.Result result =
        Spawn.run(List.of("/usr/bin/printf", "%s|", "a b", "", "ü", "$HOME"), TIMEOUT);

    assertThat(result).isEqualTo(new Spawn.Result(0, "a b||ü|$HOME|", ""));
  }

  @Test
  void givesTheChildAnEmptyEnvironmentAndStdinOnDevNull() {
    assertThat(Spawn.run(List.of("/usr/bin/env"), TIMEOUT))
        .isEqualTo(new Spawn.Result(0, "", ""));
    assertThat(Spawn.run(List.of("/usr/bin/readlink", "/proc/self/fd/0"), TIMEOUT).stdout())
        .isEqualTo("/dev/null\n");
  }

  @Test
  void passesNoFdButStdio() throws IOException {
    Path file = Files.writeString(dir.resolve("held"), "x");
    // FileInputStream opens without O_CLOEXEC: without closefrom the child would inherit it.
    try (FileInputStream held = new FileInputStream(file.toFile())) {
      assertThat(held.getFD().valid()).isTrue();

      Spawn.Result result = Spawn.run(List.of(SH, "-c", "ls /proc/$$/fd"), TIMEOUT);

      assertThat(result).isEqualTo(new Spawn.Result(0, "0\n1\n2\n", ""));
    }
  }

  @Test
  void unblocksAndResetsEverySignalInTheChild() throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle pthreadSigmask = linker.downcallHandle(
        linker.defaultLookup().find("pthread_sigmask").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    MethodHandle signal = linker.downcallHandle(
        linker.defaultLookup().find("signal").orElseThrow(),
        FunctionDescriptor.of(ADDRESS, JAVA_INT, ADDRESS));
    int sigBlock = 0;
    int sigUsr1 = 10;
    int sigTerm = 15;
    int sigWinch = 28; // unused by the JVM: safe to ignore for a moment
    MemorySegment sigIgn = MemorySegment.ofAddress(1);
    AtomicReference<Spawn.Result> result = new AtomicReference<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();

    MemorySegment previous = (MemorySegment) signal.invokeExact(sigWinch, sigIgn);
    try {
      // A thread of its own, whose blocked mask dies with it.
      Thread thread = Thread.ofPlatform().start(() -> {
        try (Arena arena = Arena.ofConfined()) {
          MemorySegment set = arena.allocate(128);
          for (int sig : new int[] {sigUsr1, sigTerm}) {
            long index = (sig - 1) / 8;
            set.set(JAVA_BYTE, index, (byte) (set.get(JAVA_BYTE, index) | 1 << ((sig - 1) % 8)));
          }
          int rc = (int) pthreadSigmask.invokeExact(sigBlock, set, MemorySegment.NULL);
          assertThat(rc).isZero();
          // JVM threads block SIGQUIT already; now SIGUSR1 and SIGTERM too.
          String blocked = Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
              .filter(l -> l.startsWith("SigBlk:")).findFirst().orElseThrow();
          assertThat(Long.parseLong(blocked.substring("SigBlk:".length()).strip(), 16) & 0x4200)
              .as(blocked).isEqualTo(0x4200);
          result.set(Spawn.run(List.of("/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"),
              TIMEOUT));
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      thread.join();
    } finally {
      MemorySegment ignored = (MemorySegment) signal.invokeExact(sigWinch, previous);
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    assertThat(result.get().stdout())
        .isEqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
  }

  @Test
  void aMissingProgramIsEnoent() {
    Path missing = dir.resolve("no-such-program");

    assertThatThrownBy(() -> Spawn.run(List.of(missing.toString()), TIMEOUT))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT))
        .hasMessage("posix_spawn " + missing + ": No such file or directory");
  }

  @Test
  void aFileThatIsNotExecutableIsEacces() throws IOException {
    Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> Spawn.run(List.of(script.toString()), TIMEOUT))
        .isInstanceOf(OsException.class)
        .hasMessage("posix_spawn " + script + ": Permission denied");
  }

  @Test
  void killsAndReapsAChildThatOutlivesTheTimeout() throws IOException {
    Path pidFile = dir.resolve("pid");
    long start = System.nanoTime();

    assertThatThrownBy(() -> Spawn.run(
            List.of(SH, "-c", "echo $$ > " + pidFile + "; exec sleep 1000"),
            Duration.ofMillis(300)))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ETIMEDOUT))
        .hasMessage("spawn /bin/sh: no exit within 300 ms, killed");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertGoneAndReaped(Long.parseLong(Files.readString(pidFile).strip()));
  }

  @Test
  void killsAChildThatLetGoOfItsOutputButDoesNotExit() throws IOException {
    Path pidFile = dir.resolve("pid");

    assertThatThrownBy(() -> Spawn.run(
            List.of(SH, "-c", "echo $$ > " + pidFile + "; exec sleep 1000 >&- 2>&-"),
            Duration.ofMillis(300)))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ETIMEDOUT));

    assertGoneAndReaped(Long.parseLong(Files.readString(pidFile).strip()));
  }

  @Test
  void leaksNoFdAndLeavesNoZombieOver200Spawns() throws IOException {
    Path missing = dir.resolve("no-such-program");
    Spawn.run(List.of(SH, "-c", "exit 0"), TIMEOUT); // warm up: classes, bindings
    Set<String> spawnFdsBefore = openSpawnFds();
    List<Long> pids = new ArrayList<>();

    for (int i = 0; i < 200; i++) {
      switch (i % 4) {
        case 0, 1 -> {
          Spawn.Result result = Spawn.run(List.of(SH, "-c", "echo $$; echo e >&2"), TIMEOUT);
          assertThat(result.exitStatus()).isZero();
          pids.add(Long.parseLong(result.stdout().strip()));
        }
        case 2 -> assertThat(Spawn.run(List.of(SH, "-c", "exit 3"), TIMEOUT).exitStatus())
            .isEqualTo(3);
        default -> assertThatThrownBy(() -> Spawn.run(List.of(missing.toString()), TIMEOUT))
            .isInstanceOf(OsException.class);
      }
    }

    // Other tests' background threads may hold a pipe for a moment; a leak never goes away.
    TestSupport.await("no pipe or pidfd left open by Spawn",
        () -> spawnFdsBefore.containsAll(openSpawnFds()));
    for (long pid : pids) {
      assertGoneAndReaped(pid);
    }
  }

  @Test
  void keepsTheFirstMegabyteOfEachStreamAndReadsBothToTheEnd() {
    // Both streams at once and more than a pipe holds: reading one only would deadlock.
    Spawn.Result result = Spawn.run(List.of(SH, "-c",
        "head -c 1500000 /dev/zero & head -c 300000 /dev/zero >&2; wait; exit 4"), TIMEOUT);

    assertThat(result.exitStatus()).isEqualTo(4);
    assertThat(result.stdout()).hasSize(Spawn.MAX_OUTPUT);
    assertThat(result.stderr()).hasSize(300_000);
  }

  @Test
  void rejectsWhatCannotBeExecuted() {
    assertThatThrownBy(() -> Spawn.run(List.of(), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Spawn.run(List.of(SH, "-c", "echo a\0b"), TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
    assertThatThrownBy(() -> Spawn.run(List.of(SH), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * The kinds of descriptor Spawn opens (pipes and pidfds), as "fd -> target". Counting every fd
   * of the JVM is not a leak check: other tests' threads open and close sockets meanwhile.
   */
  private static Set<String> openSpawnFds() {
    Set<String> found = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException closedMeanwhile) {
          continue;
        }
        if (target.startsWith("pipe:") || target.equals("anon_inode:[pidfd]")) {
          found.add(fd.getFileName() + " -> " + target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return found;
  }

  /** No process {@code pid} that is ours, a zombie or alive: a reused pid would not be our child. */
  private static void assertGoneAndReaped(long pid) throws IOException {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    String line;
    try {
      line = Files.readString(stat);
    } catch (IOException e) {
      return; // gone
    }
    String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
    long parent = Long.parseLong(fields[1]);
    assertThat(parent).as("pid " + pid + " still a child of ours: " + line)
        .isNotEqualTo(ProcessHandle.current().pid());
  }
}
