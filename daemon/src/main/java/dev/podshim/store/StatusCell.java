package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The mutable half of an entity: the status value and the file that holds it. Changes go through
 * {@link #update}, which writes the file first and only then publishes the new value, so memory
 * never shows a state the disk would not recover.
 */
public final class StatusCell<S> {
  private static final BiConsumer<Object, Object> NOBODY = (before, after) -> {};

  private final Path file;
  private final BiConsumer<? super S, ? super S> onChange;
  private volatile S value;

  public StatusCell(Path file, S initial) {
    this(file, initial, NOBODY);
  }

  /** A cell that tells {@code onChange} of each change it published, under its lock. */
  public StatusCell(Path file, S initial, BiConsumer<? super S, ? super S> onChange) {
    this.file = requireNonNull(file, "file");
    this.value = requireNonNull(initial, "initial");
    this.onChange = requireNonNull(onChange, "onChange");
  }

  public S get() {
    return value;
  }

  public synchronized S update(UnaryOperator<S> change) {
    S next = requireNonNull(change.apply(value), "new status");
    if (!next.equals(value)) {
      StateFile.write(file, next);
      S before = value;
      value = next;
      onChange.accept(before, next);
    }
    return next;
  }

  /** Writes the current value, for a status created in memory before its first persist. */
  public synchronized void persist() {
    StateFile.write(file, value);
  }
}
