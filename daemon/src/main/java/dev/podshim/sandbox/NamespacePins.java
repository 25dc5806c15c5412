package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import dev.podshim.os.Mounts;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Keeps a pod's namespaces alive without its pause process, by bind-mounting
 * /proc/&lt;pid&gt;/ns/&lt;ns&gt; onto a file in the sandbox directory. CNI teardown then still
 * finds the network namespace after pause has died, and nothing leaks once the pins go.
 */
public final class NamespacePins {

  // Bind mounts stacked on one pin (a retried pin on an old daemon, say) are undone one by one.
  private static final int MAX_STACKED_MOUNTS = 16;

  private NamespacePins() {}

  /**
   * Pins namespace {@code ns} of process {@code pid} at {@code nsDir/<procName>}, creating
   * {@code nsDir} (mode 0700) as needed, and returns the pin's path.
   */
  public static Path pin(long pid, Namespace ns, Path nsDir) {
    requireNonNull(ns, "ns");
    requireNonNull(nsDir, "nsDir");
    Path source = Path.of("/proc", Long.toString(pid), "ns", ns.procName());
    Path pin = nsDir.resolve(ns.procName());
    boolean created = false;
    try {
      createPrivateDirectory(nsDir);
      try {
        Files.createFile(pin);
        created = true;
      } catch (FileAlreadyExistsException e) {
        if (!Files.isRegularFile(pin, LinkOption.NOFOLLOW_LINKS) || Mounts.isMountPoint(pin)) {
          throw new CriException(CriException.Kind.ALREADY_EXISTS,
              "pin " + ns.procName() + " namespace of pid " + pid + ": " + pin + " is in use");
        }
      }
      Mounts.bind(source, pin);
      return pin;
    } catch (IOException | OsException e) {
      if (created) {
        deleteQuietly(pin);
      }
      throw CriException.internal(
          "pin " + ns.procName() + " namespace of pid " + pid + ": " + e.getMessage(), e);
    }
  }

  /**
   * Unmounts and deletes every pin in {@code nsDir}, then the directory. A missing directory is
   * not an error. Symlinks are deleted, never followed, so nothing outside {@code nsDir} is
   * touched.
   */
  public static void unpinAll(Path nsDir) {
    requireNonNull(nsDir, "nsDir");
    try {
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(
            nsDir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return;
      }
      if (attributes.isSymbolicLink()) {
        Files.deleteIfExists(nsDir);
        return;
      }
      if (!attributes.isDirectory()) {
        throw new IOException("not a directory");
      }
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(nsDir)) {
        for (Path entry : entries) {
          if (!Files.isSymbolicLink(entry)) {
            unmountAll(entry);
          }
          Files.deleteIfExists(entry);
        }
      }
      Files.deleteIfExists(nsDir);
    } catch (IOException | OsException e) {
      throw CriException.internal("unpin namespaces in " + nsDir + ": " + e.getMessage(), e);
    }
  }

  private static void unmountAll(Path pin) throws IOException {
    for (int i = 0; i < MAX_STACKED_MOUNTS && Mounts.isMountPoint(pin); i++) {
      Mounts.unmount(pin);
    }
    if (Mounts.isMountPoint(pin)) {
      throw new IOException(pin + " is still mounted after " + MAX_STACKED_MOUNTS + " unmounts");
    }
  }

  private static void createPrivateDirectory(Path dir) throws IOException {
    try {
      Files.createDirectory(dir);
      // Explicitly, not via a create attribute, which the umask would trim.
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(dir + " exists and is not a directory", e);
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // the failure being reported matters more
    }
  }
}
