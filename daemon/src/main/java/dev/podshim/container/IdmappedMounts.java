package dev.podshim.container;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.os.IdmappedMount;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The id-mapped copies of a container's bind mounts when it joins a pod user namespace, so that
 * what host root owns reads as owned by the pod's root (the rootfs is an overlay of id-mapped
 * layers, see {@code Snapshots}). runc 1.1 makes no id-mapped mounts (the spec's per-mount
 * mappings came with runc 1.2), so podshim makes them under {@code <container dir>/idmapped} and
 * hands runc their paths; runc's bind of an id-mapped mount keeps the mapping. They hold the user
 * namespace alive until {@link #removeAll} at removal.
 */
final class IdmappedMounts {
  static final String DIR = "idmapped";

  private static final Logger LOG = LoggerFactory.getLogger(IdmappedMounts.class);
  // one bind mount may be stacked on another only by a crash between two attempts
  private static final int MAX_STACKED = 8;
  // propagation from or to the host needs the host's mount, not a detached clone of it
  private static final Set<String> PROPAGATING = Set.of("rslave", "rshared", "slave", "shared");
  // what a filesystem without id-mapped mounts answers mount_setattr
  private static final Set<Integer> UNSUPPORTED = Set.of(OsException.EINVAL, OsException.EOPNOTSUPP,
      OsException.EPERM);

  private IdmappedMounts() {}

  /**
   * Points {@code spec}'s bind mounts at id-mapped copies made with the user namespace pinned at
   * {@code userns}, and pushes their removal on {@code cleanup}. A bind mount whose filesystem
   * cannot be id-mapped, or that propagates, stays as it is: usable as the host's ids allow.
   */
  static void apply(ObjectNode spec, Path containerDir, Path userns, Cleanup cleanup) throws IOException {
    Path dir = containerDir.resolve(DIR);
    Files.createDirectory(dir);
    cleanup.push("unmount id-mapped mounts", () -> removeAll(containerDir));
    // runc's init reaches these paths as the pod's root, without rights over host-owned dirs
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    int i = 0;
    for (JsonNode node : spec.path("mounts")) {
      ObjectNode mount = (ObjectNode) node;
      if (mount.path("type").asText().equals("bind") && !propagates(mount)) {
        bind(mount, dir.resolve(Integer.toString(i++)), userns);
      }
    }
  }

  private static boolean propagates(ObjectNode mount) {
    for (JsonNode option : mount.path("options")) {
      if (PROPAGATING.contains(option.asText())) {
        return true;
      }
    }
    return false;
  }

  private static void bind(ObjectNode mount, Path target, Path userns) throws IOException {
    Path source = Path.of(mount.path("source").asText());
    boolean recursive = false;
    for (JsonNode option : mount.path("options")) {
      recursive |= option.asText().equals("rbind");
    }
    if (Files.isDirectory(source)) {
      Files.createDirectory(target);
    } else {
      Files.createFile(target);
    }
    try {
      IdmappedMount.mount(source, target, userns, recursive);
    } catch (OsException e) {
      if (!UNSUPPORTED.contains(e.errno())) {
        throw e;
      }
      LOG.debug("{} stays a plain bind mount: {}", source, e.getMessage());
      Files.delete(target);
      return;
    }
    mount.put("source", target.toString());
  }

  /** Unmounts and deletes every id-mapped copy of the container; nothing there is not an error. */
  static void removeAll(Path containerDir) {
    Path dir = containerDir.resolve(DIR);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        for (int i = 0; i < MAX_STACKED && Mounts.isMountPoint(entry); i++) {
          Mounts.unmount(entry);
        }
        if (Mounts.isMountPoint(entry)) {
          throw new IOException(entry + " is still mounted");
        }
        // never a recursive delete: an entry that is still a mount would take the volume with it
        Files.delete(entry);
      }
      Files.delete(dir);
    } catch (IOException | OsException e) {
      throw CriException.internal("unmount id-mapped mounts in " + dir + ": " + e.getMessage(), e);
    }
  }
}
