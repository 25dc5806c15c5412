package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/** One container: immutable metadata, its status cell, and the lock that orders its lifecycle. */
public final class Container implements Entity {
  private final ContainerMetadata metadata;
  private final StatusCell<ContainerStatus> status;
  private final Path dir;
  private final ReentrantLock lifecycle = new ReentrantLock();

  Container(ContainerMetadata metadata, StatusCell<ContainerStatus> status, Path dir) {
    this.metadata = requireNonNull(metadata, "metadata");
    this.status = requireNonNull(status, "status");
    this.dir = requireNonNull(dir, "dir");
  }

  @Override
  public String id() {
    return metadata.id();
  }

  public ContainerMetadata metadata() {
    return metadata;
  }

  public ContainerStatus status() {
    return status.get();
  }

  public ContainerStatus updateStatus(UnaryOperator<ContainerStatus> change) {
    return status.update(change);
  }

  /** The container's directory under the state root: meta, status, bundle, exit files. */
  @Override
  public Path dir() {
    return dir;
  }

  /** The OCI bundle: config.json, and conmon's attach socket and control fifo. */
  public Path bundle() {
    return dir.resolve("bundle");
  }

  /** Held by Create (until created), Start, Stop and Remove, so they never interleave on one container. */
  public ReentrantLock lifecycle() {
    return lifecycle;
  }
}
