package dev.podshim.container;

import dev.podshim.store.ContainerMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How a container ended, from what conmon and the kernel left: the exit file (code, and its
 * mtime as the finish time), the OOM marker or the memory cgroup's oom_kill count, and the
 * termination message file.
 */
final class ContainerExits {
  /** kubelet's limit on a termination message. */
  static final int MAX_MESSAGE_BYTES = 4096;
  private static final Pattern OOM_KILL = Pattern.compile("(?m)^oom_kill (\\d+)$");

  private ContainerExits() {}

  /** What was read; exitCode is -1 and atNanos 0 when there is no exit file. */
  record Exit(int exitCode, long atNanos, boolean oomKilled) {
    Exit oomKilled(boolean killed) {
      return new Exit(exitCode, atNanos, killed);
    }

    String reason() {
      if (oomKilled) {
        return "OOMKilled";
      }
      return exitCode == 0 ? "Completed" : "Error";
    }
  }

  static @Nullable Exit read(Path dir, @Nullable Path memoryCgroup) {
    Path file = dir.resolve("exit");
    if (!Files.exists(file)) {
      return null;
    }
    try {
      int code = Integer.parseInt(Files.readString(file).trim());
      long at = Files.getLastModifiedTime(file).toInstant().getEpochSecond() * 1_000_000_000L
          + Files.getLastModifiedTime(file).toInstant().getNano();
      boolean oom = Files.exists(dir.resolve("oom")) || Files.exists(dir.resolve("bundle").resolve("oom"))
          || oomKills(memoryCgroup) > 0;
      return new Exit(code, at, oom);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /** The oom_kill count of a v1 memory.oom_control or v2 memory.events; 0 when unreadable. */
  static long oomKills(@Nullable Path memoryCgroup) {
    if (memoryCgroup == null) {
      return 0;
    }
    for (String name : new String[] {"memory.oom_control", "memory.events"}) {
      Path f = memoryCgroup.resolve(name);
      try {
        Matcher m = OOM_KILL.matcher(Files.readString(f));
        if (m.find()) {
          return Long.parseLong(m.group(1));
        }
      } catch (IOException | NumberFormatException e) {
        // not this hierarchy's file
      }
    }
    return 0;
  }

  /** The termination message: the first 4 KiB of the file kubelet mounted, "" when none. */
  static String terminationMessage(ContainerMetadata meta) {
    if (meta.terminationMessagePath().isEmpty()) {
      return "";
    }
    Path file = Path.of(meta.terminationMessagePath());
    if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return "";
    }
    try (InputStream in = Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return new String(in.readNBytes(MAX_MESSAGE_BYTES), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
