package dev.podshim.container;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A path inside a container's rootfs as the container would see it: symlinks are followed, but
 * relative to the rootfs (an absolute link target starts again at the rootfs, ".." stops at
 * it), so an image cannot point podshimd at a host file.
 */
final class RootfsPath {
  /** Linux's own limit on links followed in one lookup. */
  private static final int MAX_LINKS = 40;

  /** Where a container path lies on the host while the container is being set up. */
  interface View {
    /** The host path holding {@code containerPath}; null where no symlink can be (a fresh kernel filesystem). */
    @Nullable Path hostPath(String containerPath);
  }

  private RootfsPath() {}

  /** {@code path} (e.g. "/etc/passwd") resolved inside {@code rootfs}; the result need not exist. */
  static Path resolve(Path rootfs, String path) throws IOException {
    String reached = reached(p -> rootfs.resolve(p.substring(1)), path);
    return reached.equals("/") ? rootfs : rootfs.resolve(reached.substring(1));
  }

  /**
   * The clean container path a lookup of {@code path} ends at, following symlinks wherever {@code
   * view} puts them (the rootfs, or a host directory mounted earlier), as runc's securejoin does.
   */
  static String reached(View view, String path) throws IOException {
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
      done.add(name);
      Path candidate = view.hostPath(join(done));
      if (candidate == null || !Files.isSymbolicLink(candidate)) {
        continue;
      }
      done.removeLast();
      if (++links > MAX_LINKS) {
        throw new FileSystemException(path, null, "too many levels of symbolic links");
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
    return join(done);
  }

  private static String join(List<String> names) {
    return "/" + String.join("/", names);
  }
}
