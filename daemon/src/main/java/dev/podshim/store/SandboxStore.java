package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** All sandboxes, in memory and under {@code <root>/sandboxes/<id>/}: the sandbox face of {@link EntityStore}. */
public final class SandboxStore {
  private final EntityStore<SandboxMetadata, SandboxStatus, Sandbox> store;

  public SandboxStore(Path stateRoot) {
    this.store = new EntityStore<>("sandbox", requireNonNull(stateRoot, "stateRoot").resolve("sandboxes"),
        SandboxMetadata.class, SandboxStatus.class, SandboxStatus.initial(), SandboxMetadata::id, Sandbox::new);
  }

  public Sandbox create(SandboxMetadata metadata) {
    return store.create(metadata);
  }

  /** The sandbox with this id or unique id prefix; NOT_FOUND otherwise. */
  public Sandbox get(String idOrPrefix) {
    return store.get(idOrPrefix);
  }

  public @Nullable Sandbox find(String idOrPrefix) {
    return store.find(idOrPrefix);
  }

  public List<Sandbox> list() {
    return store.list();
  }

  /** Forgets the sandbox and deletes its directory; the caller has released every mount in it. */
  public void delete(Sandbox sandbox) {
    store.delete(sandbox.id(), sandbox.dir(), sandbox);
  }

  /** Reads every sandbox directory. Directories that cannot be read come back as failures. */
  public List<Loaded> loadAll() {
    return store.loadAll().stream().map(l -> new Loaded(l.dir(), l.entity(), l.failure())).toList();
  }

  /** One directory read at recovery: either a sandbox or the reason it could not be read. */
  public record Loaded(Path dir, @Nullable Sandbox sandbox, @Nullable Exception failure) {}

  /** Deletes a directory tree without following symlinks; fails on a file still mounted. */
  public static void deleteTree(Path root) throws IOException {
    EntityStore.deleteTree(root);
  }
}
