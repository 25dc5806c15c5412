package dev.podshim.stats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** The two shapes cgroup files come in: one value, or "key value" lines. Both versions use them. */
final class CgroupFiles {
  /**
   * Above this a limit means "none": v1 writes PAGE_COUNTER_MAX rounded to pages
   * (9223372036854771712), not a round number, so compare against a bound as containerd does.
   */
  static final long UNLIMITED_ABOVE = 1L << 62;

  private CgroupFiles() {}

  /** A file holding one number; empty when the file is absent (controller off, cgroup gone). */
  static OptionalLong single(Path file) throws IOException {
    String text = readOrNull(file);
    if (text == null) {
      return OptionalLong.empty();
    }
    String value = text.trim();
    if (value.isEmpty()) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(parse(file, value));
  }

  /** A limit file: a number, or v2's "max"; empty when absent or unlimited. */
  static OptionalLong limit(Path file) throws IOException {
    String text = readOrNull(file);
    if (text == null || text.trim().equals("max") || text.isBlank()) {
      return OptionalLong.empty();
    }
    long value = parse(file, text.trim());
    return value > UNLIMITED_ABOVE ? OptionalLong.empty() : OptionalLong.of(value);
  }

  /**
   * "key value" lines (memory.stat, cpu.stat, memory.events); empty when the file is absent. Lines
   * whose value is not a plain number (pressure files, future formats) are skipped. Parsed by hand:
   * this runs for every container on every stats call, under a C1-only JIT.
   */
  static Map<String, Long> keyed(Path file) throws IOException {
    String text = readOrNull(file);
    Map<String, Long> values = new HashMap<>();
    if (text == null) {
      return values;
    }
    int start = 0;
    int length = text.length();
    while (start < length) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = length;
      }
      int space = text.indexOf(' ', start);
      if (space > start && space < end) {
        long value = 0;
        boolean number = space + 1 < end;
        for (int i = space + 1; i < end && number; i++) {
          char c = text.charAt(i);
          number = c >= '0' && c <= '9';
          // saturate: a counter near 2^64 is "a lot", not a negative number
          value = value > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : value * 10 + (c - '0');
        }
        if (number) {
          values.put(text.substring(start, space), value);
        }
      }
      start = end + 1;
    }
    return values;
  }

  private static long parse(Path file, String value) throws IOException {
    try {
      return Long.parseUnsignedLong(value) < 0 ? Long.MAX_VALUE : Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IOException(file + ": not a number: " + value, e);
    }
  }

  private static @Nullable String readOrNull(Path file) throws IOException {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
