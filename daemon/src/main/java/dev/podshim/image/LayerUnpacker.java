package dev.podshim.image;

import dev.podshim.os.FileCalls;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one layer tar to its own directory in the form overlayfs reads: OCI whiteouts
 * ({@code .wh.name}) become 0/0 character devices, opaque markers ({@code .wh..wh..opq}) become
 * the {@code trusted.overlay.opaque=y} xattr on their directory. Ownership, modes (with
 * setuid/setgid/sticky), xattrs, times, hard links, symlinks and device nodes are kept.
 *
 * <p>Entries are confined to the layer root: a name with {@code ..} that leaves it, a hard link
 * to outside it, or a parent directory reached through a symlink that points outside it
 * (absolute targets included) fails the whole layer with {@link BadLayerException}.
 */
final class LayerUnpacker {
  private static final Logger LOG = LoggerFactory.getLogger(LayerUnpacker.class);
  static final String WHITEOUT_PREFIX = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";
  static final String OPAQUE_XATTR = "trusted.overlay.opaque";
  private static final int MAX_SYMLINK_HOPS = 255;

  private final Path root;
  private final byte[] buffer = new byte[256 * 1024];
  private final List<DirTimes> dirTimes = new ArrayList<>();
  private long bytes;

  private record DirTimes(Path dir, long seconds, long nanos) {}

  private LayerUnpacker(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** Applies a tar stream into {@code root} (which must exist); returns the bytes of file content written. */
  static long apply(InputStream tar, Path root) throws IOException {
    LayerUnpacker u = new LayerUnpacker(root);
    TarReader reader = new TarReader(tar);
    try {
      for (TarEntry e = reader.next(); e != null; e = reader.next()) {
        u.entry(e, reader.content());
      }
      // directory times last: creating children changed them
      for (int i = u.dirTimes.size() - 1; i >= 0; i--) {
        DirTimes d = u.dirTimes.get(i);
        FileCalls.lutimes(d.dir(), d.seconds(), d.nanos());
      }
    } catch (OsException e) {
      throw ioException(e);
    }
    return u.bytes;
  }

  /**
   * A failed file system call as the image package reports it: an I/O error naming the call, the
   * path and errno, e.g. {@code "mknod /…/dev/null: Operation not permitted (errno 1)"}.
   */
  static IOException ioException(OsException e) {
    return new IOException(e.getMessage() + " (errno " + e.errno() + ")", e);
  }

  private void entry(TarEntry e, InputStream content) throws IOException {
    List<String> parts = clean(e.name());
    if (parts.isEmpty()) {
      if (e.type() == TarEntry.DIR) {
        attributes(root, e);
        dirTimes.add(new DirTimes(root, e.mtimeSeconds(), e.mtimeNanos()));
      }
      return;
    }
    String base = parts.getLast();
    Path parent = resolveParent(e.name(), parts.subList(0, parts.size() - 1));
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (base.equals(OPAQUE)) {
        FileCalls.lsetxattr(parent, OPAQUE_XATTR, "y".getBytes(StandardCharsets.US_ASCII));
      } else if (!base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX) && base.length() > WHITEOUT_PREFIX.length()) {
        Path hidden = parent.resolve(base.substring(WHITEOUT_PREFIX.length()));
        removeExisting(hidden);
        FileCalls.mknod(hidden, FileCalls.S_IFCHR, 0, 0, 0);
        FileCalls.lchown(hidden, e.uid(), e.gid());
      }
      return;
    }
    Path target = parent.resolve(base);
    BasicFileAttributes existing = lstat(target);
    if (existing != null && !(existing.isDirectory() && e.type() == TarEntry.DIR)) {
      removeExisting(target);
    }
    switch (e.type()) {
      case TarEntry.DIR -> {
        if (existing == null || !existing.isDirectory()) {
          Files.createDirectory(target);
        }
        attributes(target, e);
        dirTimes.add(new DirTimes(target, e.mtimeSeconds(), e.mtimeNanos()));
        return;
      }
      case TarEntry.FILE -> {
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          long left = e.size();
          while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
              throw new BadLayerException("entry " + e.name() + ": truncated");
            }
            out.write(buffer, 0, n);
            left -= n;
          }
        }
        bytes += e.size();
      }
      case TarEntry.SYMLINK -> {
        if (e.linkName().isEmpty()) {
          throw new BadLayerException("entry " + e.name() + ": symlink without a target");
        }
        Files.createSymbolicLink(target, Path.of(e.linkName()));
      }
      case TarEntry.HARDLINK -> {
        List<String> linkParts = clean(e.linkName());
        if (linkParts.isEmpty()) {
          throw new BadLayerException("entry " + e.name() + ": hard link to the layer root");
        }
        Path source = resolveParent(e.linkName(), linkParts.subList(0, linkParts.size() - 1)).resolve(linkParts.getLast());
        BasicFileAttributes src = lstat(source);
        if (src == null || src.isDirectory()) {
          throw new BadLayerException("entry " + e.name() + ": hard link to " + e.linkName()
              + (src == null ? ", which is not in this layer" : ", a directory"));
        }
        Files.createLink(target, source);
        return; // the link shares the source's inode and attributes
      }
      case TarEntry.CHAR -> FileCalls.mknod(target, FileCalls.S_IFCHR, e.mode(), e.devMajor(), e.devMinor());
      case TarEntry.BLOCK -> FileCalls.mknod(target, FileCalls.S_IFBLK, e.mode(), e.devMajor(), e.devMinor());
      case TarEntry.FIFO -> FileCalls.mknod(target, FileCalls.S_IFIFO, e.mode(), 0, 0);
      default -> {
        LOG.atDebug().addKeyValue("entry", e.name()).log("skipping tar entry of type {}", e.type());
        return;
      }
    }
    attributes(target, e);
    FileCalls.lutimes(target, e.mtimeSeconds(), e.mtimeNanos());
  }

  /** Owner, xattrs, then mode (chown clears setuid bits, so mode comes after it). */
  private void attributes(Path p, TarEntry e) throws IOException {
    FileCalls.lchown(p, e.uid(), e.gid());
    for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
      try {
        FileCalls.lsetxattr(p, x.getKey(), x.getValue());
      } catch (OsException ex) {
        if (ex.errno() != OsException.EOPNOTSUPP && ex.errno() != OsException.EPERM) {
          throw ex;
        }
        LOG.atDebug().addKeyValue("path", p).log("xattr {} not kept: {}", x.getKey(), ex.getMessage());
      }
    }
    if (e.type() != TarEntry.SYMLINK) {
      FileCalls.chmod(p, e.mode());
    }
  }

  /**
   * The directory that holds an entry, created (0755, root) where missing. Symlinks on the way
   * are followed only while they stay inside the layer root.
   */
  private Path resolveParent(String name, List<String> parts) throws IOException {
    Deque<String> todo = new ArrayDeque<>(parts);
    Path cur = root;
    int hops = 0;
    while (!todo.isEmpty()) {
      String part = todo.removeFirst();
      Path next = cur.resolve(part);
      BasicFileAttributes a = lstat(next);
      if (a == null) {
        Files.createDirectory(next);
        cur = next;
      } else if (a.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new BadLayerException("entry " + name + ": too many levels of symbolic links");
        }
        Path link = Files.readSymbolicLink(next);
        if (link.isAbsolute()) {
          throw new BadLayerException("entry " + name + ": parent " + root.relativize(next)
              + " is a symlink to the absolute path " + link);
        }
        Path resolved = cur.resolve(link).normalize();
        if (!resolved.startsWith(root)) {
          throw new BadLayerException("entry " + name + ": parent " + root.relativize(next)
              + " is a symlink leading out of the layer root");
        }
        List<String> rest = new ArrayList<>();
        for (Path p : root.relativize(resolved)) {
          if (!p.toString().isEmpty()) {
            rest.add(p.toString());
          }
        }
        rest.addAll(todo);
        todo = new ArrayDeque<>(rest);
        cur = root;
      } else if (a.isDirectory()) {
        cur = next;
      } else {
        throw new BadLayerException("entry " + name + ": parent " + root.relativize(next) + " is not a directory");
      }
    }
    return cur;
  }

  /** The path's components with "." removed; ".." that would leave the root is refused. */
  static List<String> clean(String name) throws BadLayerException {
    List<String> out = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (out.isEmpty()) {
          throw new BadLayerException("entry " + name + " escapes the layer root");
        }
        out.removeLast();
        continue;
      }
      if (part.indexOf('\0') >= 0) {
        throw new BadLayerException("entry " + name + ": NUL in name");
      }
      out.add(part);
    }
    try {
      if (!out.isEmpty()) {
        Path.of(out.getFirst(), out.subList(1, out.size()).toArray(String[]::new));
      }
    } catch (InvalidPathException e) {
      throw new BadLayerException("entry " + name + ": " + e.getMessage());
    }
    return out;
  }

  private static @Nullable BasicFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  static void removeExisting(Path p) throws IOException {
    BasicFileAttributes a = lstat(p);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      deleteTree(p);
    } else {
      Files.delete(p);
    }
  }

  /** Deletes a tree without following symlinks. Missing is fine. */
  static void deleteTree(Path p) throws IOException {
    BasicFileAttributes a = lstat(p);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      try (var children = Files.list(p)) {
        for (Path c : (Iterable<Path>) children::iterator) {
          deleteTree(c);
        }
      }
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException ignored) {
      // raced with another remover
    } catch (DirectoryNotEmptyException | FileAlreadyExistsException e) {
      throw e;
    }
  }
}
