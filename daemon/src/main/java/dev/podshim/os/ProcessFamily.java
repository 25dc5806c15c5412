package dev.podshim.os;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Everything one process started, found in /proc: the processes of the session it leads and
 * every descendant of those. {@code runc exec} makes the exec's process a session leader, so its
 * background jobs and the processes its children orphaned keep that session id (a process group
 * of their own does not leave the session); a child that made a session of its own is still
 * found as long as its parent lives. A session id, like a pid, is not reused while any member is
 * left, so the session names only this family.
 *
 * <p>The kernel here may lack {@code /proc/<pid>/task/<tid>/children}, so the tree is built
 * from every process's ppid in one scan.
 */
public final class ProcessFamily {
  private static final int SIGKILL = 9;
  /** A family that forks while it is killed is scanned again; it cannot outrun a few rounds. */
  private static final int MAX_ROUNDS = 10;
  /** Between depths, so a parent blocked in wait() reaps its killed child before it dies itself. */
  private static final long REAP_PAUSE_MILLIS = 10;

  private ProcessFamily() {}

  /** One process as /proc/&lt;pid&gt;/stat shows it. */
  record Row(long pid, char state, long ppid, long session, long startTime) {}

  /**
   * SIGKILLs the leader, its session and their descendants, deepest first, until none is left
   * alive; returns how many processes were signalled. A process that exits meanwhile is skipped.
   * What its parent does not reap stays a zombie of its pid namespace's init, as any orphan does.
   *
   * <p>Nothing is killed unless the leader is in the pid namespace of {@code sameNamespaceAs} (a
   * container's init): a pid read from a runtime's pid file after the process was reaped could
   * since have come to name a process of the host.
   */
  public static int kill(long leader, long sameNamespaceAs) {
    if (leader <= 1) {
      throw new IllegalArgumentException("not a session leader to kill: " + leader);
    }
    if (!samePidNamespace(leader, sameNamespaceAs)) {
      return 0;
    }
    int killed = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      List<List<Row>> byDepth = members(scan(), leader);
      if (byDepth.isEmpty()) {
        break;
      }
      for (List<Row> level : byDepth.reversed()) {
        for (Row row : level) {
          killed += killIfSame(row) ? 1 : 0;
        }
        pause();
      }
    }
    return killed;
  }

  /**
   * The family's live members grouped by depth (index 0: the leader and session members whose
   * parent is outside the family), from a snapshot of every process.
   */
  static List<List<Row>> members(List<Row> all, long leader) {
    Map<Long, List<Row>> children = new HashMap<>();
    for (Row row : all) {
      children.computeIfAbsent(row.ppid(), p -> new ArrayList<>()).add(row);
    }
    Set<Long> family = new HashSet<>();
    for (Row row : all) {
      if (row.pid() == leader || row.session() == leader) {
        family.add(row.pid());
      }
    }
    List<Row> roots = all.stream()
        .filter(r -> family.contains(r.pid()) && !family.contains(r.ppid()))
        .sorted(Comparator.comparingLong(Row::pid)).toList();
    List<List<Row>> levels = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    List<Row> level = roots;
    while (!level.isEmpty()) {
      List<Row> live = new ArrayList<>();
      List<Row> next = new ArrayList<>();
      for (Row row : level) {
        if (!seen.add(row.pid())) {
          continue; // a cycle can only come from a torn snapshot
        }
        if (row.state() != 'Z' && row.state() != 'X') {
          live.add(row);
        }
        next.addAll(children.getOrDefault(row.pid(), List.of()));
      }
      if (!live.isEmpty()) {
        levels.add(live);
      }
      level = next;
    }
    return levels;
  }

  /**
   * SIGKILL through a pidfd, once the pidfd is known to name the process scanned: a pid reused
   * between the scan and pidfd_open has another start time.
   */
  private static boolean killIfSame(Row row) {
    try (Pidfd pidfd = Pidfd.open(row.pid())) {
      OptionalLong startTime = ProcStat.startTime(row.pid());
      if (startTime.isEmpty() || startTime.getAsLong() != row.startTime()) {
        return false;
      }
      pidfd.signal(SIGKILL);
      return true;
    } catch (OsException | java.io.UncheckedIOException e) {
      return false; // exited meanwhile
    }
  }

  private static boolean samePidNamespace(long a, long b) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(a), "ns", "pid"))
          .equals(Files.readSymbolicLink(Path.of("/proc", Long.toString(b), "ns", "pid")));
    } catch (IOException e) {
      return false; // either is gone
    }
  }

  private static void pause() {
    try {
      Thread.sleep(REAP_PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every process's stat line; processes that exit while being read are left out. */
  static List<Row> scan() {
    List<Row> rows = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"),
        p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
      for (Path proc : procs) {
        try {
          Row row = parse(new String(Files.readAllBytes(proc.resolve("stat")), StandardCharsets.ISO_8859_1));
          rows.add(row.state() == 'Z' ? withLiveThreads(proc, row) : row);
        } catch (IOException | RuntimeException e) {
          // exited between the listing and the read
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("list /proc", e);
    }
    return rows;
  }

  /**
   * A zombie leader can head threads that still run: seccomp's KILL_THREAD ends only the thread
   * that made the call (runc#5087 leaves a {@code runc init} so, holding its sockets for good).
   * Such a process is alive, and SIGKILL to its pid ends the rest.
   */
  private static Row withLiveThreads(Path proc, Row leader) {
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
      for (Path task : tasks) {
        char state = parse(new String(Files.readAllBytes(task.resolve("stat")), StandardCharsets.ISO_8859_1)).state();
        if (state != 'Z' && state != 'X') {
          return new Row(leader.pid(), state, leader.ppid(), leader.session(), leader.startTime());
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone meanwhile: a zombie it stays
    }
    return leader;
  }

  /**
   * A stat line: pid, (comm), state, ppid, pgrp, session, … starttime (field 22). comm may hold
   * spaces and ')', so fields are counted after the last ')'.
   */
  static Row parse(String line) {
    int open = line.indexOf(' ');
    int close = line.lastIndexOf(')');
    String[] f = line.substring(close + 2).trim().split(" ");
    return new Row(Long.parseLong(line.substring(0, open)), f[0].charAt(0), Long.parseLong(f[1]),
        Long.parseLong(f[3]), ProcStat.parseStartTime(line));
  }
}
