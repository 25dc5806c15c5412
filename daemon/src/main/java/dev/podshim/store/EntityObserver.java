package dev.podshim.store;

/**
 * Told of every status change an {@link EntityStore} makes, once it is on disk, and of every
 * removal. Called on the thread that made the change, with the entity's status lock held (so one
 * entity's changes arrive in order): it must return at once and never call back into the store's
 * writers.
 */
public interface EntityObserver<E, S> {
  void statusChanged(E entity, S before, S after);

  void removed(E entity);
}
