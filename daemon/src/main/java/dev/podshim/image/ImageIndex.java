package dev.podshim.image;

import dev.podshim.store.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The image records, persisted as one versioned JSON file ({@code images/index.json}) written
 * atomically. Changes hold a file lock so the daemon and {@code podshimd images} can both change
 * the store; readers reload the file when another process replaced it.
 */
final class ImageIndex {
  /** The file's shape. */
  record Contents(List<ImageRecord> images) {
    Contents {
      images = List.copyOf(images == null ? List.of() : images);
    }
  }

  private static final java.util.concurrent.ConcurrentHashMap<Path, Object> PROCESS_LOCKS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Path file;
  private final Path lockFile;
  private @Nullable Object loadedKey;
  private Map<String, ImageRecord> images = Map.of();

  ImageIndex(Path imagesDir) {
    this.file = imagesDir.resolve("index.json");
    this.lockFile = imagesDir.resolve("index.lock");
  }

  /** Every image, current as of the file on disk. */
  synchronized Map<String, ImageRecord> all() {
    refresh();
    return images;
  }

  /**
   * Applies {@code change} to the current records under the file lock and persists the result
   * before it becomes visible. The change may throw to abort; nothing is written then.
   */
  synchronized Map<String, ImageRecord> update(UnaryOperator<Map<String, ImageRecord>> change) {
    // a file lock is held per process: two indexes on one root in this JVM take turns here first
    synchronized (PROCESS_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), k -> new Object())) {
      return updateLocked(change);
    }
  }

  private Map<String, ImageRecord> updateLocked(UnaryOperator<Map<String, ImageRecord>> change) {
    try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock lock = ch.lock()) {
      refresh();
      Map<String, ImageRecord> next = Map.copyOf(change.apply(new LinkedHashMap<>(images)));
      if (!next.equals(images)) {
        List<ImageRecord> list = new ArrayList<>(next.values());
        list.sort(java.util.Comparator.comparing(ImageRecord::id));
        StateFile.write(file, new Contents(list));
        images = next;
        loadedKey = key();
      }
      return images;
    } catch (IOException e) {
      throw new UncheckedIOException("update " + file, e);
    }
  }

  private void refresh() {
    Object key = key();
    if (Objects.equals(key, loadedKey) && loadedKey != null) {
      return;
    }
    if (key == null) {
      images = Map.of();
      loadedKey = null;
      return;
    }
    try {
      Contents c = StateFile.read(file, Contents.class);
      Map<String, ImageRecord> m = new LinkedHashMap<>();
      for (ImageRecord r : c.images()) {
        m.put(r.id(), r);
      }
      images = Map.copyOf(m);
      loadedKey = key;
    } catch (IOException e) {
      throw new UncheckedIOException("read " + file, e);
    }
  }

  /** Identity of the file's current version: its inode changes with every atomic replace. */
  private @Nullable Object key() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return List.of(String.valueOf(a.fileKey()), a.lastModifiedTime().toMillis(), a.size());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("stat " + file, e);
    }
  }
}
