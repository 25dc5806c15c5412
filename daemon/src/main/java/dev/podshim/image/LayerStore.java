package dev.podshim.image;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Unpacked layers, one directory per chain id: {@code images/layers/<hex>/fs} is what overlayfs
 * stacks as a lower dir. A layer is unpacked into a temporary directory and renamed into place
 * once complete and its diff id verified, so a directory under its chain id is always whole.
 * Images sharing a layer chain share the directory.
 */
final class LayerStore {
  /** "bytes inodes" of a layer's fs, beside it. */
  private static final String DISK_USAGE = "disk-usage";

  private final Path dir;
  private final Singleflight<Digest, Long> unpacking = new Singleflight<>();

  LayerStore(Path imagesDir) throws IOException {
    this.dir = imagesDir.resolve("layers");
    Files.createDirectories(dir);
  }

  /** Removes half-made and half-deleted layers of dead processes. */
  void cleanTemporaries() throws IOException {
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") && !Temporaries.ownerAlive(name.substring(name.indexOf('-') + 1))) {
          LayerUnpacker.deleteTree(p);
        }
      }
    }
  }

  Path fs(Digest chainId) {
    return dir.resolve(chainId.hex()).resolve("fs");
  }

  boolean has(Digest chainId) {
    return Files.isDirectory(fs(chainId));
  }

  /** Chain ids per the OCI image spec: the first is its diff id, each next one hashes "parent diffid". */
  static List<Digest> chainIds(List<Digest> diffIds) {
    List<Digest> out = new ArrayList<>();
    Digest parent = null;
    for (Digest diff : diffIds) {
      Digest chain = parent == null ? diff
          : Digest.sha256((parent + " " + diff).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.add(chain);
      parent = chain;
    }
    return out;
  }

  /**
   * Unpacks a compressed or plain layer blob under {@code chainId} unless it is there already;
   * returns the bytes of file content (0 when it was already unpacked by someone else).
   * Concurrent callers for one chain id share the work.
   */
  long unpack(Digest chainId, Digest diffId, Path blob) throws IOException {
    return unpacking.run(chainId, () -> {
      if (has(chainId)) {
        return 0L;
      }
      Path tmp = dir.resolve(".tmp-" + Temporaries.name(chainId.shortHex()));
      try {
        Path fs = tmp.resolve("fs");
        Files.createDirectories(fs);
        long bytes;
        MessageDigest hasher = diffId.newHasher();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(blob), 256 * 1024);
             InputStream tar = new DigestInputStream(decompress(raw), hasher)) {
          try {
            bytes = LayerUnpacker.apply(tar, fs);
          } catch (BadLayerException e) {
            throw e;
          } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new BadLayerException("corrupt layer data: " + e.getMessage(), e);
          }
          tar.transferTo(java.io.OutputStream.nullOutputStream()); // trailing padding counts in the diff id
        }
        Digest actual = Digest.of(diffId.algorithm(), hasher.digest());
        if (!actual.equals(diffId)) {
          throw new BadLayerException("uncompressed content has digest " + actual + ", the image config says " + diffId);
        }
        writeDiskUsage(tmp, DiskUsage.measure(fs));
        try {
          Files.move(tmp, dir.resolve(chainId.hex()), StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
          return 0L; // another process unpacked it meanwhile
        }
        return bytes;
      } finally {
        LayerUnpacker.deleteTree(tmp);
      }
    });
  }

  /**
   * What the layer's {@code fs} occupies on disk, recorded when it was unpacked (layers are never
   * written again); measured and recorded now for a layer unpacked before the record existed.
   * Empty for a directory that is not the {@code fs} of a layer.
   */
  Optional<DiskUsage> recordedDiskUsage(Path fsDir) throws IOException {
    Path layer = fsDir.getParent();
    if (!fsDir.getFileName().toString().equals("fs") || layer == null || !dir.equals(layer.getParent())
        || layer.getFileName().toString().startsWith(".")) {
      return Optional.empty();
    }
    try {
      String[] fields = Files.readString(layer.resolve(DISK_USAGE)).trim().split(" ");
      return Optional.of(new DiskUsage(Long.parseLong(fields[0]), Long.parseLong(fields[1])));
    } catch (java.nio.file.NoSuchFileException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
      DiskUsage measured = DiskUsage.measure(fsDir);
      writeDiskUsage(layer, measured);
      return Optional.of(measured);
    }
  }

  private static void writeDiskUsage(Path layer, DiskUsage usage) throws IOException {
    Path tmp = layer.resolve(DISK_USAGE + ".tmp-" + Temporaries.name("du"));
    Files.writeString(tmp, usage.bytes() + " " + usage.inodes());
    Files.move(tmp, layer.resolve(DISK_USAGE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Deletes a layer: renamed away first so a crash never leaves a partial one under its chain id. */
  void delete(Digest chainId) throws IOException {
    Path d = dir.resolve(chainId.hex());
    if (!Files.exists(d)) {
      return;
    }
    Path doomed = dir.resolve(".del-" + Temporaries.name(chainId.shortHex()));
    Files.move(d, doomed, StandardCopyOption.ATOMIC_MOVE);
    LayerUnpacker.deleteTree(doomed);
  }

  Set<Digest> list() throws IOException {
    Set<Digest> out = new HashSet<>();
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (!name.startsWith(".")) {
          try {
            out.add(new Digest("sha256", name));
          } catch (IllegalArgumentException e) {
            // not ours
          }
        }
      }
    }
    return out;
  }

  /** gzip, zstd or plain tar, told apart by their magic numbers (media types are not always honest). */
  static InputStream decompress(InputStream raw) throws IOException {
    InputStream in = raw.markSupported() ? raw : new BufferedInputStream(raw);
    in.mark(4);
    byte[] magic = in.readNBytes(4);
    in.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(in, 64 * 1024);
    }
    if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new ZstdInputStream(in);
    }
    return in;
  }
}
