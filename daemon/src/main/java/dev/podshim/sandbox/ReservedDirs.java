package dev.podshim.sandbox;

import dev.podshim.config.DaemonConfig;
import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The directories podshim keeps for itself: the state root (sandboxes, containers, images, the
 * runtimes' state, conmon's sockets) and the run directory holding the CRI socket. A client path
 * that podshim or conmon writes to (a pod's log directory, a container's log file) must lie in
 * neither, nor contain one: conmon appending a container's output to a status file corrupts it.
 * Paths are compared with symlinks resolved, so a link into the state root is caught too.
 */
public final class ReservedDirs {
  /** Linux's own limit on links followed in one lookup. */
  private static final int MAX_LINKS = 40;

  private final List<Path> dirs;

  public ReservedDirs(List<Path> dirs) {
    this.dirs = dirs.stream().map(d -> d.toAbsolutePath().normalize()).toList();
  }

  public static ReservedDirs of(DaemonConfig config) {
    return new ReservedDirs(List.of(config.root(), config.socket().toAbsolutePath().getParent()));
  }

  /** INVALID_ARGUMENT naming {@code field} when {@code path} is in, or holds, one of the directories. */
  public void refuseOverlap(String field, Path path) {
    Path real = real(path);
    for (Path dir : dirs) {
      Path reserved = real(dir);
      if (real.startsWith(reserved)) {
        throw CriException.invalidArgument(field + ": " + Inputs.quoted(path.toString())
            + " is inside podshim's own directory " + dir);
      }
      if (reserved.startsWith(real)) {
        throw CriException.invalidArgument(field + ": " + Inputs.quoted(path.toString())
            + " holds podshim's own directory " + dir);
      }
    }
  }

  /**
   * {@code path} with the symlinks of its existing part resolved (a dangling one too) and the rest
   * appended: where a write to it would land today.
   */
  public static Path real(Path path) {
    Path p = path.toAbsolutePath().normalize();
    for (int links = 0; links < MAX_LINKS; links++) {
      Path existing = p;
      while (existing.getParent() != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        existing = existing.getParent();
      }
      Path rest = existing.relativize(p);
      try {
        return existing.toRealPath().resolve(rest).normalize();
      } catch (IOException e) {
        // its last component is a dangling link: follow it by hand, from its real parent
        try {
          Path target = Files.readSymbolicLink(existing);
          p = existing.getParent().toRealPath().resolve(target).resolve(rest).normalize();
        } catch (IOException notALink) {
          return p;
        }
      }
    }
    return p;
  }
}
