package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.errors.CriException;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;

/**
 * Checks of Exec and Attach requests before a URL is handed out (the streaming server checks the
 * stdio flags, ExecSync's rule the command): a bad request is refused now, not when the client
 * opens the URL.
 */
final class StreamRequests {
  private StreamRequests() {}

  /** The running container the id names; FAILED_PRECONDITION when it is not running. */
  static Container running(ContainerService containers, String id, String what) {
    Container c = containers.get(id);
    if (c.status().state() != ContainerStatus.State.RUNNING) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION,
          what + " container " + c.id() + ": it is " + c.status().state() + ", not RUNNING");
    }
    return c;
  }
}
