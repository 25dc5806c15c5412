package dev.podshim.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Blobs by digest under {@code images/blobs/<algorithm>/<hex>}. A blob is written to
 * {@code images/ingest/} while it is hashed and appears under its digest only once complete and
 * verified, so an interrupted or corrupt download leaves nothing behind.
 */
final class ContentStore {
  private final Path blobs;
  private final Path ingest;

  ContentStore(Path imagesDir) throws IOException {
    this.blobs = imagesDir.resolve("blobs");
    this.ingest = imagesDir.resolve("ingest");
    Files.createDirectories(blobs.resolve("sha256"));
    Files.createDirectories(ingest);
  }

  /** Removes what interrupted downloads of dead processes left behind. */
  void cleanIngest() throws IOException {
    try (var files = Files.list(ingest)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!Temporaries.ownerAlive(p.getFileName().toString())) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  Path path(Digest d) {
    return blobs.resolve(d.algorithm()).resolve(d.hex());
  }

  boolean has(Digest d) {
    return Files.isRegularFile(path(d));
  }

  long size(Digest d) throws IOException {
    return Files.size(path(d));
  }

  byte[] read(Digest d) throws IOException {
    return Files.readAllBytes(path(d));
  }

  /** Stores bytes already in memory, after checking them against {@code expected}. */
  Path put(Digest expected, byte[] bytes) throws IOException {
    return write(expected, bytes.length, new java.io.ByteArrayInputStream(bytes), n -> { });
  }

  /**
   * Streams {@code in} into the store, hashing as it goes; the blob is committed only when the
   * digest (and the size, when {@code expectedSize >= 0}) match. {@code progress} sees each chunk.
   */
  Path write(Digest expected, long expectedSize, InputStream in, LongConsumer progress) throws IOException {
    Path target = path(expected);
    Files.createDirectories(target.getParent());
    Path tmp = ingest.resolve(Temporaries.name(expected.shortHex()));
    MessageDigest hasher = expected.newHasher();
    long total = 0;
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buf = new byte[256 * 1024];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        int n;
        while ((n = in.read(buf)) >= 0) {
          if (n == 0) {
            continue;
          }
          total += n;
          if (expectedSize >= 0 && total > expectedSize) {
            throw new DigestMismatchException("blob " + expected + ": more than the expected " + expectedSize + " bytes");
          }
          hasher.update(buf, 0, n);
          bb.clear().limit(n);
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
          progress.accept(n);
        }
        if (expectedSize >= 0 && total != expectedSize) {
          throw new DigestMismatchException("blob " + expected + ": got " + total + " bytes, expected " + expectedSize);
        }
        Digest actual = Digest.of(expected.algorithm(), hasher.digest());
        if (!actual.equals(expected)) {
          throw new DigestMismatchException("blob " + expected + ": content has digest " + actual);
        }
        ch.force(false);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  void delete(Digest d) throws IOException {
    Files.deleteIfExists(path(d));
  }

  /** Every stored blob. */
  Set<Digest> list() throws IOException {
    Set<Digest> out = new HashSet<>();
    try (var algs = Files.list(blobs)) {
      for (Path alg : (Iterable<Path>) algs::iterator) {
        try (var files = Files.list(alg)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            try {
              out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
            } catch (IllegalArgumentException e) {
              // not ours
            }
          }
        } catch (NoSuchFileException e) {
          // removed meanwhile
        }
      }
    }
    return out;
  }
}
