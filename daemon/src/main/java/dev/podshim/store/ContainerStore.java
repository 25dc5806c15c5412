package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** All containers, in memory and under {@code <root>/containers/<id>/}. */
public final class ContainerStore extends EntityStore<ContainerMetadata, ContainerStatus, Container> {
  public ContainerStore(Path stateRoot) {
    super("container", requireNonNull(stateRoot, "stateRoot").resolve("containers"), ContainerMetadata.class,
        ContainerStatus.class, ContainerStatus.initial(), ContainerMetadata::id, Container::new);
  }
}
