package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket directory where conmon links each container's bundle under the container's id
 * ({@code --socket-dir-path} with {@code --cuuid}), so that the attach socket's path stays within
 * AF_UNIX's 108 bytes. conmon makes the link and never removes it: a container's link goes with the
 * container, and start-up removes those of containers that no longer exist.
 */
final class AttachLinks {
  private static final Logger LOG = LoggerFactory.getLogger(AttachLinks.class);

  private final Path dir;

  AttachLinks(Path dir) {
    this.dir = requireNonNull(dir, "dir");
  }

  Path dir() {
    return dir;
  }

  /** Removes the link of container {@code id}, not what it points at; a missing one is fine. */
  void remove(String id) throws IOException {
    Files.deleteIfExists(dir.resolve(id));
  }

  /** Removes every link whose container is not in {@code known}; returns how many. */
  int removeAllBut(Set<String> known) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    int removed = 0;
    try (DirectoryStream<Path> links = Files.newDirectoryStream(dir)) {
      for (Path link : links) {
        if (known.contains(link.getFileName().toString())) {
          continue;
        }
        try {
          Files.deleteIfExists(link);
          removed++;
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("path", link).log("remove stale attach socket link: {}", e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.atWarn().addKeyValue("dir", dir).log("list attach socket links: {}", e.getMessage());
    }
    return removed;
  }
}
