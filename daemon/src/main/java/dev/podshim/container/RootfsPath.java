package dev.podshim.container;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A path inside a container's rootfs as the container would see it: symlinks are followed, but
 * relative to the rootfs (an absolute link target starts again at the rootfs, ".." stops at
 * it), so an image cannot point podshimd at a host file.
 */
final class RootfsPath {
  /** Linux's own limit on links followed in one lookup. */
  private static final int MAX_LINKS = 40;

  private RootfsPath() {}

  /** {@code path} (e.g. "/etc/passwd") resolved inside {@code rootfs}; the result need not exist. */
  static Path resolve(Path rootfs, String path) throws IOException {
    Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
    List<String> done = new ArrayList<>();
    int links = 0;
    while (!todo.isEmpty()) {
      String name = todo.removeFirst();
      if (name.isEmpty() || name.equals(".")) {
        continue;
      }
      if (name.equals("..")) {
        if (!done.isEmpty()) {
          done.removeLast();
        }
        continue;
      }
      Path candidate = join(rootfs, done).resolve(name);
      if (!Files.isSymbolicLink(candidate)) {
        done.add(name);
        continue;
      }
      if (++links > MAX_LINKS) {
        throw new FileSystemException(rootfs.resolve(path.replaceFirst("^/+", "")).toString(), null,
            "too many levels of symbolic links");
      }
      String target = Files.readSymbolicLink(candidate).toString();
      if (target.startsWith("/")) {
        done.clear();
      }
      List<String> parts = List.of(target.split("/"));
      for (int i = parts.size() - 1; i >= 0; i--) {
        todo.addFirst(parts.get(i));
      }
    }
    return join(rootfs, done);
  }

  private static Path join(Path rootfs, List<String> names) {
    Path p = rootfs;
    for (String name : names) {
      p = p.resolve(name);
    }
    return p;
  }
}
