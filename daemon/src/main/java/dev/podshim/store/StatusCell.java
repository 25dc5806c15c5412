package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The mutable half of an entity: the status value and the file that holds it. Changes go through
 * {@link #update}, which writes the file first and only then publishes the new value, so memory
 * never shows a state the disk would not recover.
 */
public final class StatusCell<S> {
  private final Path file;
  private volatile S value;

  public StatusCell(Path file, S initial) {
    this.file = requireNonNull(file, "file");
    this.value = requireNonNull(initial, "initial");
  }

  public S get() {
    return value;
  }

  public synchronized S update(UnaryOperator<S> change) {
    S next = requireNonNull(change.apply(value), "new status");
    if (!next.equals(value)) {
      StateFile.write(file, next);
      value = next;
    }
    return next;
  }

  /** Writes the current value, for a status created in memory before its first persist. */
  public synchronized void persist() {
    StateFile.write(file, value);
  }
}
