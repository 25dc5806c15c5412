package dev.podshim.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads /proc/&lt;pid&gt;/stat. */
public final class ProcStat {

  // starttime is field 22; fields after comm are counted from 3 (state).
  private static final int START_TIME_AFTER_COMM = 22 - 3;

  private ProcStat() {}

  /**
   * When the process started, in clock ticks since boot; empty if there is no such process. A
   * pid recorded together with its start time names one process for good: a reused pid has a
   * later start time.
   */
  public static OptionalLong startTime(long pid) {
    if (pid <= 0) {
      return OptionalLong.empty();
    }
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    String line;
    try {
      line = new String(Files.readAllBytes(stat), StandardCharsets.ISO_8859_1);
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      // The process can exit between open and read (ESRCH).
      if (!Files.exists(stat.getParent())) {
        return OptionalLong.empty();
      }
      throw new UncheckedIOException("read " + stat, e);
    }
    return OptionalLong.of(parseStartTime(line));
  }

  /**
   * Field 22 of a stat line. comm (field 2) is any 16 bytes in parentheses, spaces and ')'
   * included, so the fields after it are found after the last ')'.
   */
  static long parseStartTime(String line) {
    int end = line.lastIndexOf(')');
    String[] fields = line.substring(end + 1).trim().split(" ");
    if (end < 0 || fields.length <= START_TIME_AFTER_COMM) {
      throw new IllegalArgumentException("malformed /proc/<pid>/stat: " + line);
    }
    return Long.parseLong(fields[START_TIME_AFTER_COMM]);
  }
}
