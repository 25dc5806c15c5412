package dev.podshim.os;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A program for {@link Spawn#run(SpawnSpec)}: its argv (the first element its path), its whole
 * environment as {@code KEY=value} entries, fds of ours it gets as 3, 4, …, the time it has, and
 * how many bytes of each of stdout and stderr are kept (the rest is read and dropped), and the
 * directory it starts in (null: the daemon's own, which is / under systemd; a program that writes
 * files relative to its working directory, as conmon writes "oom", needs one of its own).
 */
public record SpawnSpec(List<String> argv, List<String> env, List<Integer> extraFds, Duration timeout,
    int maxOutputBytes, @Nullable Path workDir) {
  public SpawnSpec {
    argv = List.copyOf(argv);
    env = List.copyOf(env);
    extraFds = List.copyOf(extraFds);
    requireNonNull(timeout, "timeout");
    if (maxOutputBytes < 0) {
      throw new IllegalArgumentException("maxOutputBytes < 0: " + maxOutputBytes);
    }
  }

  /** Starting in the daemon's working directory. */
  public SpawnSpec(List<String> argv, List<String> env, List<Integer> extraFds, Duration timeout,
      int maxOutputBytes) {
    this(argv, env, extraFds, timeout, maxOutputBytes, null);
  }

  /** Keeping the first {@link Spawn#MAX_OUTPUT} bytes of each stream. */
  public SpawnSpec(List<String> argv, List<String> env, List<Integer> extraFds, Duration timeout) {
    this(argv, env, extraFds, timeout, Spawn.MAX_OUTPUT, null);
  }

  /** The same program, started in {@code dir}. */
  public SpawnSpec in(Path dir) {
    return new SpawnSpec(argv, env, extraFds, timeout, maxOutputBytes, dir);
  }
}
