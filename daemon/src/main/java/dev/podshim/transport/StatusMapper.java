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
    LOG.error("unexpected error", t);
    return Status.INTERNAL.withDescription("internal error: " + t);
  }
}
