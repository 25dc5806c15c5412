package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/**
 * All sandboxes, in memory and under {@code <root>/sandboxes/<id>/}. Ids can be looked up by any
 * unique prefix, as crictl users type them.
 */
public final class SandboxStore {
  static final String META = "meta.json";
  static final String STATUS = "status.json";

  private final Path dir;
  private final ConcurrentSkipListMap<String, Sandbox> byId = new ConcurrentSkipListMap<>();

  public SandboxStore(Path stateRoot) {
    this.dir = requireNonNull(stateRoot, "stateRoot").resolve("sandboxes");
  }

  /**
   * Creates the directory and writes meta.json before anything else is acquired. The status file
   * is written at the first change; until then the status is the initial one.
   */
  public Sandbox create(SandboxMetadata metadata) {
    Path sandboxDir = dir.resolve(metadata.id());
    try {
      Files.createDirectories(dir);
      Files.createDirectory(sandboxDir);
      StateFile.write(sandboxDir.resolve(META), metadata);
    } catch (IOException e) {
      throw CriException.internal("create sandbox directory " + sandboxDir + ": " + e.getMessage(), e);
    }
    StatusCell<SandboxStatus> status = new StatusCell<>(sandboxDir.resolve(STATUS), SandboxStatus.initial());
    Sandbox sandbox = new Sandbox(metadata, status, sandboxDir);
    byId.put(metadata.id(), sandbox);
    return sandbox;
  }

  /** The sandbox with this id or unique id prefix. */
  public Sandbox get(String idOrPrefix) {
    Sandbox found = find(idOrPrefix);
    if (found == null) {
      throw CriException.notFound("sandbox " + idOrPrefix + " not found");
    }
    return found;
  }

  public @Nullable Sandbox find(String idOrPrefix) {
    if (idOrPrefix.isEmpty()) {
      return null;
    }
    Sandbox exact = byId.get(idOrPrefix);
    if (exact != null) {
      return exact;
    }
    NavigableMap<String, Sandbox> tail = byId.tailMap(idOrPrefix, true);
    Sandbox match = null;
    for (Map.Entry<String, Sandbox> e : tail.entrySet()) {
      if (!e.getKey().startsWith(idOrPrefix)) {
        break;
      }
      if (match != null) {
        throw CriException.invalidArgument("sandbox id prefix " + idOrPrefix + " is ambiguous");
      }
      match = e.getValue();
    }
    return match;
  }

  public List<Sandbox> list() {
    return List.copyOf(byId.values());
  }

  /** Forgets the sandbox and deletes its directory; the caller has released every mount in it. */
  public void delete(Sandbox sandbox) {
    try {
      deleteTree(sandbox.dir());
    } catch (IOException e) {
      throw CriException.internal("remove sandbox directory " + sandbox.dir() + ": " + e.getMessage(), e);
    }
    byId.remove(sandbox.id(), sandbox);
  }

  /** Reads every sandbox directory. Directories that cannot be read come back as failures. */
  public List<Loaded> loadAll() {
    List<Loaded> result = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return result;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path sandboxDir : entries) {
        result.add(load(sandboxDir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
    return result;
  }

  private Loaded load(Path sandboxDir) {
    try {
      SandboxMetadata meta = StateFile.read(sandboxDir.resolve(META), SandboxMetadata.class);
      Path statusFile = sandboxDir.resolve(STATUS);
      SandboxStatus status = Files.exists(statusFile)
          ? StateFile.read(statusFile, SandboxStatus.class)
          : SandboxStatus.initial();
      Sandbox sandbox = new Sandbox(meta, new StatusCell<>(statusFile, status), sandboxDir);
      byId.put(meta.id(), sandbox);
      return new Loaded(sandboxDir, sandbox, null);
    } catch (IOException | RuntimeException e) {
      return new Loaded(sandboxDir, null, e);
    }
  }

  /** One directory read at recovery: either a sandbox or the reason it could not be read. */
  public record Loaded(Path dir, @Nullable Sandbox sandbox, @Nullable Exception failure) {}

  /** Deletes a directory tree without following symlinks; fails on a file still mounted. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      List<Path> paths = walk.sorted(java.util.Comparator.reverseOrder()).toList();
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    }
  }
}
