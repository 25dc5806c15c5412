package dev.podshim.errors;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undo as you go: right after acquiring a resource, push what releases it. If the operation
 * fails, {@link #close} runs the undos newest first; {@link #commit} keeps everything.
 * Undo failures are logged and do not hide the original error.
 *
 * <pre>{@code
 * try (Cleanup cleanup = new Cleanup("run sandbox " + id)) {
 *   mkdir(dir); cleanup.push("remove dir", () -> rm(dir));
 *   ...
 *   cleanup.commit();
 * }
 * }</pre>
 */
public final class Cleanup implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Cleanup.class);

  /** One undo step. */
  @FunctionalInterface
  public interface Undo {
    void run() throws Exception;
  }

  private record Step(String what, Undo undo) {}

  private final String operation;
  private final Deque<Step> steps = new ArrayDeque<>();
  private boolean committed;

  public Cleanup(String operation) {
    this.operation = operation;
  }

  public void push(String what, Undo undo) {
    steps.push(new Step(what, undo));
  }

  public void commit() {
    committed = true;
    steps.clear();
  }

  @Override
  public void close() {
    if (committed) {
      return;
    }
    while (!steps.isEmpty()) {
      Step step = steps.pop();
      try {
        step.undo().run();
      } catch (Exception e) {
        LOG.atWarn().setCause(e).addKeyValue("operation", operation).addKeyValue("undo", step.what())
            .log("undo failed: {}", e.getMessage());
      }
    }
  }
}
