package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** All containers, in memory and under {@code <root>/containers/<id>/}: the container face of {@link EntityStore}. */
public final class ContainerStore {
  private final EntityStore<ContainerMetadata, ContainerStatus, Container> store;

  public ContainerStore(Path stateRoot) {
    this.store = new EntityStore<>("container", requireNonNull(stateRoot, "stateRoot").resolve("containers"),
        ContainerMetadata.class, ContainerStatus.class, ContainerStatus.initial(), ContainerMetadata::id,
        Container::new);
  }

  public Path dir() {
    return store.dir();
  }

  public Container create(ContainerMetadata metadata) {
    return store.create(metadata);
  }

  /** The container with this id or unique id prefix; NOT_FOUND otherwise. */
  public Container get(String idOrPrefix) {
    return store.get(idOrPrefix);
  }

  public @Nullable Container find(String idOrPrefix) {
    return store.find(idOrPrefix);
  }

  public List<Container> list() {
    return store.list();
  }

  /** Forgets the container and deletes its directory; the caller has released every mount in it. */
  public void delete(Container container) {
    store.delete(container.id(), container.dir(), container);
  }

  public List<EntityStore.Loaded<Container>> loadAll() {
    return store.loadAll();
  }
}
