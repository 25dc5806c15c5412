package dev.podshim.os;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Helpers for tests that run real processes and mounts. Public: sandbox tests use it too. */
public final class TestSupport {

  /** Upper bound for anything a test waits for; generous, only there so a bug cannot hang CI. */
  public static final Duration WAIT = Duration.ofSeconds(30);

  private TestSupport() {}

  /** The path of {@code tool}, or a failure that says which Debian package to install. */
  public static Path requireTool(String tool, String debianPackage) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool);
      }
    }
    throw new AssertionError(
        "this test needs `" + tool + "`: install the Debian package " + debianPackage);
  }

  /**
   * Runs {@code command}, which must exit 0 within {@link #WAIT} and write little, and returns
   * its stdout.
   */
  public static String run(String... command) {
    try {
      Process process = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + List.of(command));
      }
      String out = new String(process.getInputStream().readAllBytes(), UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), UTF_8);
      if (process.exitValue() != 0) {
        throw new AssertionError(
            List.of(command) + " exited " + process.exitValue() + ": " + err.strip());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Starts {@code count} copies of {@code shellCommand} in the background of a shell that then
   * exits, so they become children of this JVM (made a child subreaper here) that Java's own
   * process reaper does not know about, as pause processes are for the daemon.
   */
  public static List<Long> spawnOrphans(int count, String shellCommand) {
    Prctl.setChildSubreaper();
    String script = "i=0; while [ $i -lt " + count + " ]; do "
        + shellCommand + " </dev/null >/dev/null 2>&1 & echo $!; i=$((i+1)); done";
    try {
      Process shell = new ProcessBuilder("sh", "-c", script).start();
      List<Long> pids = new ArrayList<>();
      try (BufferedReader out =
          new BufferedReader(new InputStreamReader(shell.getInputStream(), UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          pids.add(Long.parseLong(line.strip()));
        }
      }
      if (!shell.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) || shell.exitValue() != 0) {
        throw new AssertionError("spawning " + shellCommand + " failed");
      }
      return pids;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits, bounded by {@link #WAIT}, until {@code condition} holds. */
  public static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Whether the process has exited: gone, or a zombie nobody has reaped yet. */
  public static boolean goneOrZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException e) {
      return true;
    }
  }

  public static void awaitExit(Pidfd pidfd) {
    await("pid " + pidfd.pid() + " to exit", () -> !pidfd.isAlive());
  }

  /** Kills the process, reaps it if it is our child, closes the pidfd; returns its status. */
  public static OptionalInt killAndReap(Pidfd pidfd) {
    try (pidfd) {
      pidfd.signal(Pidfd.SIGKILL);
      awaitExit(pidfd);
      return pidfd.tryReap();
    }
  }

  /** As {@link #killAndReap(Pidfd)}, for a pid that may be gone already. */
  public static void killAndReap(long pid) {
    Pidfd pidfd;
    try {
      pidfd = Pidfd.open(pid);
    } catch (OsException e) {
      return; // gone
    }
    killAndReap(pidfd);
  }

  /** Every mount point at or below {@code dir}, deepest first, per /proc/self/mountinfo. */
  public static List<String> mountsUnder(Path dir) {
    String root;
    try {
      root = dir.toRealPath().toString();
    } catch (IOException e) {
      return List.of();
    }
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo"), ISO_8859_1)
          .stream()
          .map(Mounts::mountPoint)
          .filter(p -> p != null && (p.equals(root) || p.startsWith(root + "/")))
          .sorted(Comparator.comparing(String::length).reversed())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Cleanup for tests that mount: detaches everything mounted at or below {@code dir}. */
  public static void unmountAllUnder(Path dir) {
    for (int round = 0; round < 16; round++) {
      List<String> mounts = mountsUnder(dir);
      if (mounts.isEmpty()) {
        return;
      }
      mounts.forEach(p -> Mounts.unmount(Path.of(p)));
    }
  }
}
