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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of entity (sandboxes, containers), in memory and under {@code <root>/<kind>s/<id>/}:
 * an immutable {@code meta.json} written before anything is acquired for the entity, and a
 * mutable {@code status.json} written through its {@link StatusCell}. Ids are looked up by any
 * unique prefix through the {@link IdIndex}.
 *
 * @param <M> metadata record
 * @param <S> status record
 * @param <E> the entity, made from the two by {@link Factory}
 */
public class EntityStore<M, S, E extends Entity> {
  private static final Logger LOG = LoggerFactory.getLogger(EntityStore.class);
  static final String META = "meta.json";
  static final String STATUS = "status.json";

  /** Makes the entity object from what is on disk (or about to be). */
  @FunctionalInterface
  public interface Factory<M, S, E> {
    E make(M metadata, StatusCell<S> status, Path dir);
  }

  private final String kind;
  private final Path dir;
  private final Class<M> metaType;
  private final Class<S> statusType;
  private final S initialStatus;
  private final Function<M, String> idOf;
  private final Factory<M, S, E> factory;
  private final IdIndex<E> index;
  private final List<EntityObserver<? super E, ? super S>> observers = new CopyOnWriteArrayList<>();
  private volatile @Nullable FutureTask<List<Loaded<E>>> readAhead;

  protected EntityStore(String kind, Path dir, Class<M> metaType, Class<S> statusType, S initialStatus,
      Function<M, String> idOf, Factory<M, S, E> factory) {
    this.kind = requireNonNull(kind, "kind");
    this.dir = requireNonNull(dir, "dir");
    this.metaType = requireNonNull(metaType, "metaType");
    this.statusType = requireNonNull(statusType, "statusType");
    this.initialStatus = requireNonNull(initialStatus, "initialStatus");
    this.idOf = requireNonNull(idOf, "idOf");
    this.factory = requireNonNull(factory, "factory");
    this.index = new IdIndex<>(kind);
  }

  /** Tells {@code observer} of every later status change and removal. */
  public void observe(EntityObserver<? super E, ? super S> observer) {
    observers.add(requireNonNull(observer, "observer"));
  }

  /** The entity, with a status cell that tells the observers of its changes. */
  private E make(M metadata, Path statusFile, S status, Path entityDir) {
    AtomicReference<E> made = new AtomicReference<>();
    E entity = factory.make(metadata, new StatusCell<>(statusFile, status, (before, after) -> {
      for (var observer : observers) {
        try {
          observer.statusChanged(made.get(), before, after);
        } catch (RuntimeException e) {
          LOG.atWarn().addKeyValue("id", made.get().id()).log("status observer failed: {}", e.toString());
        }
      }
    }), entityDir);
    made.set(entity);
    return entity;
  }

  /** Where the entities' directories live. */
  public Path dir() {
    return dir;
  }

  /**
   * Creates the directory and writes meta.json before anything else is acquired. The status file
   * is written at the first change; until then the status is the initial one.
   */
  public E create(M metadata) {
    String id = idOf.apply(metadata);
    Path entityDir = dir.resolve(id);
    try {
      Files.createDirectories(dir);
      Files.createDirectory(entityDir);
      StateFile.write(entityDir.resolve(META), metadata);
    } catch (IOException | UncheckedIOException e) {
      throw CriException.internal("create " + kind + " directory " + entityDir + ": " + e.getMessage(), e);
    }
    E entity = make(metadata, entityDir.resolve(STATUS), initialStatus, entityDir);
    index.put(id, entity);
    return entity;
  }

  /**
   * Lists an entity made from what could be salvaged of an unreadable directory, so that it can
   * be seen and removed; nothing is written.
   */
  public E adopt(M metadata, S status, Path entityDir) {
    E entity = make(metadata, entityDir.resolve(STATUS), status, entityDir);
    index.put(idOf.apply(metadata), entity);
    return entity;
  }

  /** The status file of a directory whose meta.json could not be read, if that file at least can be. */
  public java.util.Optional<S> salvageStatus(Path entityDir) {
    try {
      Path file = entityDir.resolve(STATUS);
      return Files.exists(file) ? java.util.Optional.of(StateFile.read(file, statusType)) : java.util.Optional.empty();
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /** The entity with this id or unique id prefix; NOT_FOUND otherwise. */
  public E get(String idOrPrefix) {
    E found = find(idOrPrefix);
    if (found == null) {
      throw CriException.notFound(kind + " " + idOrPrefix + " not found");
    }
    return found;
  }

  public @Nullable E find(String idOrPrefix) {
    return index.find(idOrPrefix);
  }

  public List<E> list() {
    return index.all();
  }

  /** Forgets the entity and deletes its directory; the caller has released every mount in it. */
  public void delete(E entity) {
    try {
      deleteTree(entity.dir());
    } catch (IOException e) {
      throw CriException.internal("remove " + kind + " directory " + entity.dir() + ": " + e.getMessage(), e);
    }
    index.remove(entity.id(), entity);
    for (var observer : observers) {
      try {
        observer.removed(entity);
      } catch (RuntimeException e) {
        LOG.atWarn().addKeyValue("id", entity.id()).log("removal observer failed: {}", e.toString());
      }
    }
  }

  /**
   * Starts {@link #loadAll}'s reading on a thread of its own; the next loadAll returns what it
   * read. For start-up: reading and parsing every state file is most of a restart's recovery
   * and needs nothing else, so it runs while the rest of the daemon is wired.
   */
  public void readAhead() {
    FutureTask<List<Loaded<E>>> read = new FutureTask<>(this::readAll);
    readAhead = read;
    Thread.ofPlatform().daemon().name("read-" + kind + "s").start(read);
  }

  /**
   * Reads every entity directory. Directories that cannot be read come back as failures; one
   * without meta.json is a crash right after mkdir, with nothing else acquired, and is deleted.
   */
  public List<Loaded<E>> loadAll() {
    FutureTask<List<Loaded<E>>> read = readAhead;
    if (read == null) {
      return readAll();
    }
    readAhead = null;
    try {
      return read.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + dir, e);
    }
  }

  private List<Loaded<E>> readAll() {
    List<Loaded<E>> result = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return result;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entityDir : entries) {
        if (!Files.exists(entityDir.resolve(META)) && deletedEmpty(entityDir)) {
          continue;
        }
        result.add(load(entityDir));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("list " + dir, e);
    }
    return result;
  }

  private Loaded<E> load(Path entityDir) {
    try {
      M meta = StateFile.read(entityDir.resolve(META), metaType);
      Path statusFile = entityDir.resolve(STATUS);
      S status = Files.exists(statusFile) ? StateFile.read(statusFile, statusType) : initialStatus;
      E entity = make(meta, statusFile, status, entityDir);
      index.put(idOf.apply(meta), entity);
      return new Loaded<>(entityDir, entity, null);
    } catch (IOException | RuntimeException e) {
      return new Loaded<>(entityDir, null, e);
    }
  }

  private static boolean deletedEmpty(Path entityDir) {
    try {
      deleteTree(entityDir);
      return true;
    } catch (IOException e) {
      return false; // reported as unreadable
    }
  }

  /** One directory read at recovery: either an entity or the reason it could not be read. */
  public record Loaded<E>(Path dir, @Nullable E entity, @Nullable Exception failure) {}

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
