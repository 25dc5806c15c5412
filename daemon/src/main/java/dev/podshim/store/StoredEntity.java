package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * What sandboxes and containers share: immutable metadata, a status cell (written to disk before
 * it changes in memory), a directory of their own, and the lock that orders their lifecycle.
 */
public abstract class StoredEntity<M, S> implements Entity {
  private final String id;
  private final M metadata;
  private final StatusCell<S> status;
  private final Path dir;
  private final ReentrantLock lifecycle = new ReentrantLock();

  StoredEntity(String id, M metadata, StatusCell<S> status, Path dir) {
    this.id = requireNonNull(id, "id");
    this.metadata = requireNonNull(metadata, "metadata");
    this.status = requireNonNull(status, "status");
    this.dir = requireNonNull(dir, "dir");
  }

  @Override
  public final String id() {
    return id;
  }

  public final M metadata() {
    return metadata;
  }

  public final S status() {
    return status.get();
  }

  public final S updateStatus(UnaryOperator<S> change) {
    return status.update(change);
  }

  /** The entity's directory under the state root. */
  @Override
  public final Path dir() {
    return dir;
  }

  /** Held by create (until done), stop and remove, so they never interleave on one entity. */
  public final ReentrantLock lifecycle() {
    return lifecycle;
  }
}
