package dev.podshim.container;

import dev.podshim.errors.CriException;
import dev.podshim.errors.CriException.Kind;
import dev.podshim.oci.OciException;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Sandbox;

/**
 * An OCI runtime failure as the CRI client sees it: what the request asked for and the runtime
 * refused is INVALID_ARGUMENT, a container in the wrong state FAILED_PRECONDITION, each with the
 * runtime's own message; INTERNAL is left for podshim's and the runtime's own faults. A failure
 * while the pod was being stopped or removed is that race's answer instead.
 */
final class RuntimeFailures {
  private RuntimeFailures() {}

  /** @param what the call, e.g. "start container 3f2a…" */
  static CriException of(String what, OciException e) {
    Kind kind = switch (e.blame()) {
      case REQUEST -> Kind.INVALID_ARGUMENT;
      case STATE -> Kind.FAILED_PRECONDITION;
      case RUNTIME -> Kind.INTERNAL;
    };
    return new CriException(kind, what + ": " + e.getMessage(), e);
  }

  /**
   * {@code failure} unless the pod stopped or went meanwhile: runc joining the namespaces of a
   * pause that is going fails in ways of its own ("can't get final child's PID from pipe"), which
   * are no fault of podshim's. Only INTERNAL failures are reconsidered.
   */
  static RuntimeException orPodGone(SandboxService sandboxes, Sandbox sandbox, String what, RuntimeException failure) {
    if (!(failure instanceof CriException e) || e.kind() != Kind.INTERNAL) {
      return failure;
    }
    Sandbox now = sandboxes.find(sandbox.id());
    if (now == null) {
      return new CriException(Kind.NOT_FOUND, what + ": sandbox " + sandbox.id() + " was removed meanwhile", e);
    }
    if (!now.status().ready()) {
      return new CriException(Kind.FAILED_PRECONDITION, what + ": sandbox " + sandbox.id()
          + " was stopped meanwhile", e);
    }
    return failure;
  }
}
