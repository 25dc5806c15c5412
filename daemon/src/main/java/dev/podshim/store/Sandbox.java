package dev.podshim.store;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** One pod sandbox: its metadata, status and directory, with the namespace pins in it. */
public final class Sandbox extends StoredEntity<SandboxMetadata, SandboxStatus> {
  /** Why recovery could not read this sandbox's state; null for a sandbox read whole. Not persisted. */
  private volatile @Nullable String unreadable;

  Sandbox(SandboxMetadata metadata, StatusCell<SandboxStatus> status, Path dir) {
    super(metadata.id(), metadata, status, dir);
  }

  /** Where the namespace pins live. */
  public Path nsDir() {
    return dir().resolve("ns");
  }

  /** Why recovery could not read this sandbox's files, or null: it is then listed NOTREADY to be removed. */
  public @Nullable String unreadable() {
    return unreadable;
  }

  public void markUnreadable(String reason) {
    this.unreadable = reason;
  }
}
