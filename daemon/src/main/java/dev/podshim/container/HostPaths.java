package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * The host files a spec is built from besides the request: the mount table that decides whether
 * a propagating mount is allowed, and the /dev a privileged container gets every device of.
 * Tests point them at fakes.
 */
record HostPaths(Path mountinfo, Path dev) {
  static final HostPaths LIVE = new HostPaths(Path.of("/proc/self/mountinfo"), Path.of("/dev"));

  HostPaths {
    requireNonNull(mountinfo, "mountinfo");
    requireNonNull(dev, "dev");
  }
}
