package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** All sandboxes, in memory and under {@code <root>/sandboxes/<id>/}. */
public final class SandboxStore extends EntityStore<SandboxMetadata, SandboxStatus, Sandbox> {
  public SandboxStore(Path stateRoot) {
    super("sandbox", requireNonNull(stateRoot, "stateRoot").resolve("sandboxes"), SandboxMetadata.class,
        SandboxStatus.class, SandboxStatus.initial(), SandboxMetadata::id, Sandbox::new);
  }
}
