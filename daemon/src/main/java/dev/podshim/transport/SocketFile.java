package dev.podshim.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The socket's path, removed at shutdown only while it is still the socket this daemon bound, so a
 * daemon never deletes another one's socket.
 *
 * <p>The server binds {@link #bindPath()}, a private name beside the socket, and {@link #publish}
 * renames it onto the socket path: a stale socket is replaced in one step and the path never shows
 * a socket with the default mode. Binding the private name also matters at shutdown: Netty deletes
 * the path it bound when its channel closes, whoever owns that path by then.
 */
final class SocketFile {
  private final Path path;
  private final Path bindPath;
  private @Nullable Object fileKey;

  SocketFile(Path path) {
    this.path = Objects.requireNonNull(path, "path");
    this.bindPath = path.resolveSibling(path.getFileName() + "." + ProcessHandle.current().pid());
  }

  /** Where the server binds. */
  Path bindPath() {
    return bindPath;
  }

  /** Before binding: the parent directory made, a leftover of a dead process with our pid gone. */
  void prepare() throws IOException {
    Files.createDirectories(path.getParent());
    Files.deleteIfExists(bindPath);
  }

  /** Once bound: mode 0660, then the bound file takes the socket path and is remembered as ours. */
  void publish() throws IOException {
    Files.setPosixFilePermissions(bindPath, PosixFilePermissions.fromString("rw-rw----"));
    Object key = fileKey(bindPath);
    Files.move(bindPath, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    fileKey = key;
  }

  /**
   * Deletes the socket path if it is still the file {@link #publish} put there; call it while the
   * server is still bound, so our file keeps its inode and no other file can have its key.
   *
   * @return whether the path was ours and is now gone
   */
  boolean removeIfOurs() {
    if (fileKey == null) {
      return false;
    }
    try {
      if (!fileKey.equals(fileKey(path))) {
        return false; // replaced since: another daemon's, or an operator's
      }
      Files.deleteIfExists(path);
      return true;
    } catch (IOException e) {
      return false; // gone already, or unreadable: best effort, the next daemon replaces it
    }
  }

  private static Object fileKey(Path file) throws IOException {
    Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    if (key == null) {
      throw new IOException("no file key for " + file + ": cannot tell our socket from another");
    }
    return key;
  }
}
