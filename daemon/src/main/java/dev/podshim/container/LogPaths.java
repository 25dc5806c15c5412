package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.sandbox.ReservedDirs;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A container's CRI log file: {@code log_path} relative to its pod's log directory, without
 * {@code ..}, never through a symlink below that directory (kubelet may link the directory itself
 * elsewhere), and never in podshim's own directories. conmon opens the file by path and follows
 * links, so the directories podshim creates for it are made one at a time and checked.
 */
final class LogPaths {
  private static final String FIELD = "config.log_path";

  private LogPaths() {}

  /** The log file's host path; INVALID_ARGUMENT when {@code logPath} may not be used. */
  static Path resolve(String logDirectory, String logPath, ReservedDirs reserved) {
    if (logDirectory.isEmpty()) {
      throw invalid(FIELD, "the sandbox has no log_directory to put " + quoted(logPath) + " in");
    }
    Path relative = Path.of(logPath);
    if (relative.isAbsolute() || relative.normalize().toString().isEmpty()
        || containsDotDot(relative)) {
      throw invalid(FIELD, quoted(logPath) + " is not a relative path inside the sandbox's log directory "
          + logDirectory);
    }
    Path base = Path.of(logDirectory);
    Path log = base.resolve(relative.normalize());
    reserved.refuseOverlap(FIELD, log);
    Path at = base;
    for (int i = 0; i < relative.normalize().getNameCount(); i++) {
      at = at.resolve(relative.normalize().getName(i));
      boolean last = at.equals(log);
      BasicFileAttributes attrs;
      try {
        attrs = Files.readAttributes(at, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (IOException e) {
        break; // missing: podshim or conmon creates it
      }
      if (attrs.isSymbolicLink()) {
        throw invalid(FIELD, quoted(logPath) + ": " + at + " is a symbolic link; none is followed below the log"
            + " directory");
      }
      if (!last && !attrs.isDirectory()) {
        throw invalid(FIELD, quoted(logPath) + ": " + at + " is not a directory");
      }
      if (last && !attrs.isRegularFile()) {
        throw invalid(FIELD, quoted(logPath) + ": " + at + " exists and is not a regular file");
      }
    }
    return log;
  }

  /** Creates the log directory and the log file's missing parents, refusing a symlink met on the way. */
  static void createParents(Path logDirectory, Path log) throws IOException {
    Files.createDirectories(logDirectory);
    Path at = logDirectory;
    if (log.getParent().equals(logDirectory)) {
      return;
    }
    for (Path name : logDirectory.relativize(log.getParent())) {
      at = at.resolve(name);
      try {
        Files.createDirectory(at);
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
          throw invalid(FIELD, at + " is not a directory (or is a symbolic link)");
        }
      }
    }
  }

  private static boolean containsDotDot(Path relative) {
    for (Path name : relative) {
      if (name.toString().equals("..")) {
        return true;
      }
    }
    return false;
  }
}
