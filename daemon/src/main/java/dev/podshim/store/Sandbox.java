package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/** One pod sandbox: immutable metadata, its status cell, and the lock that orders its lifecycle. */
public final class Sandbox implements Entity {
  private final SandboxMetadata metadata;
  private final StatusCell<SandboxStatus> status;
  private final Path dir;
  private final ReentrantLock lifecycle = new ReentrantLock();
  /** Why recovery could not read this sandbox's state; null for a sandbox read whole. Not persisted. */
  private volatile @org.jspecify.annotations.Nullable String unreadable;

  Sandbox(SandboxMetadata metadata, StatusCell<SandboxStatus> status, Path dir) {
    this.metadata = requireNonNull(metadata, "metadata");
    this.status = requireNonNull(status, "status");
    this.dir = requireNonNull(dir, "dir");
  }

  @Override
  public String id() {
    return metadata.id();
  }

  public SandboxMetadata metadata() {
    return metadata;
  }

  public SandboxStatus status() {
    return status.get();
  }

  public SandboxStatus updateStatus(java.util.function.UnaryOperator<SandboxStatus> change) {
    return status.update(change);
  }

  /** The sandbox's directory under the state root. */
  @Override
  public Path dir() {
    return dir;
  }

  /** Where the namespace pins live. */
  public Path nsDir() {
    return dir.resolve("ns");
  }

  /** Why recovery could not read this sandbox's files, or null: it is then listed NOTREADY to be removed. */
  public @org.jspecify.annotations.Nullable String unreadable() {
    return unreadable;
  }

  public void markUnreadable(String reason) {
    this.unreadable = reason;
  }

  /** Held by Run (until created), Stop and Remove, so they never interleave on one sandbox. */
  public ReentrantLock lifecycle() {
    return lifecycle;
  }
}
