package dev.podshim.transport;

import dev.podshim.errors.CriException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where domain errors become gRPC statuses. A description is cut to
 * {@value #MAX_DESCRIPTION} characters: it travels in the trailers, and one that echoes a huge
 * request value overflows the client's header-list limit (grpc-java's 8 KiB), which turns the
 * answer into INTERNAL "http2 exception" on the client's side.
 */
public final class StatusMapper {
  private static final Logger LOG = LoggerFactory.getLogger(StatusMapper.class);
  static final int MAX_DESCRIPTION = 2048;

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
      return status.withDescription(bounded(e.getMessage()));
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
    return Status.INTERNAL.withDescription(bounded("internal error: " + causeChain(t)));
  }

  static String bounded(String description) {
    if (description == null || description.length() <= MAX_DESCRIPTION) {
      return description;
    }
    return description.substring(0, MAX_DESCRIPTION) + "… (" + (description.length() - MAX_DESCRIPTION)
        + " more characters)";
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
