package dev.podshim.network;

import dev.podshim.os.Mounts;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which CNI_NETNS teardown passes. */
final class Netns {
  private Netns() {}

  /**
   * {@code path} while it is still a network namespace, else empty. A pin whose bind mount is
   * gone (after a reboot, or once the sandbox unpinned) is a plain empty file, and plugins fail
   * on it ("not a network namespace") instead of cleaning up; with an empty CNI_NETNS, which the
   * spec allows for DEL, they still release the IP and their host-side state.
   */
  static String forTeardown(String path) {
    if (path.isEmpty()) {
      return "";
    }
    Path p = Path.of(path);
    if (!Files.exists(p)) {
      return "";
    }
    if (p.startsWith("/proc")) {
      return path; // /proc/<pid>/ns/net: a namespace for as long as it exists
    }
    try {
      return Mounts.isMountPoint(p) ? path : "";
    } catch (UncheckedIOException e) {
      return path; // cannot tell; let the plugin decide
    }
  }
}
