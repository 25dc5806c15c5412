package dev.podshim.transport;

import dev.podshim.errors.CriException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where domain errors become gRPC statuses. */
public final class StatusMapper {
  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);

  private StatusMapper() {}

  public static Status toStatus(Throwable t) {
    if (t instanceof CriException e) {
      Status status = switch (e.kind()) {
        case NOT_FOUND -> Status.NOT_FOUND;
        case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
        case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
        case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
        case UNAVAILABLE -> Status.UNAVAILABLE;
        case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
        case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
        case INTERNAL -> Status.INTERNAL;
      };
      if (e.kind() == CriException.Kind.INTERNAL) {
        LOG.error("internal error: {}", e.getMessage(), e);
      }
      return status.withDescription(e.getMessage());
    }
    if (t instanceof StatusRuntimeException e) {
      return e.getStatus();
    }
    if (t instanceof StatusException e) {
      return e.getStatus();
    }
    // a domain error wrapped on its way up (a callback, a future) keeps its kind
    for (Throwable cause = t.getCause(); cause != null && cause != t; cause = cause.getCause()) {
      if (cause instanceof CriException e) {
        return toStatus(e);
      }
    }
    LOG.error("unexpected error", t);
    return Status.INTERNAL.withDescription("internal error: " + causeChain(t));
  }

  /** "outer message: cause message: …", each distinct message once, so the root cause is named. */
  static String causeChain(Throwable t) {
    StringBuilder out = new StringBuilder(String.valueOf(t));
    String last = String.valueOf(t.getMessage());
    for (Throwable cause = t.getCause(); cause != null && cause != t; cause = cause.getCause()) {
      String message = String.valueOf(cause.getMessage());
      if (!last.contains(message)) {
        out.append(": ").append(cause);
      }
      last = message;
    }
    return out.toString();
  }
}
