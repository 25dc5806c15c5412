package dev.podshim.api;

import dev.podshim.container.ContainerService;
import dev.podshim.errors.CriException;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerStatus;
import java.util.List;

/**
 * Checks of Exec and Attach requests before a URL is handed out (the streaming server checks the
 * stdio flags): a bad request is refused now, not when the client opens the URL.
 */
final class StreamRequests {
  private StreamRequests() {}

  static void requireCommand(List<String> cmd) {
    if (cmd.isEmpty()) {
      throw CriException.invalidArgument("cmd: is required");
    }
    for (int i = 0; i < cmd.size(); i++) {
      if (cmd.get(i).indexOf('\0') >= 0) {
        throw CriException.invalidArgument("cmd[" + i + "]: contains a NUL byte");
      }
    }
  }

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
