package dev.podshim.errors;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * The one exception domain code throws. Its {@link Kind} decides the gRPC status code; the
 * mapping lives in {@code transport.StatusMapper} so that domain code never imports io.grpc.
 */
public final class CriException extends RuntimeException {

  /** What went wrong, in the terms the CRI client cares about. */
  public enum Kind {
    NOT_FOUND,
    ALREADY_EXISTS,
    INVALID_ARGUMENT,
    FAILED_PRECONDITION,
    UNAVAILABLE,
    /** A limit the client itself ran into (URLs handed out and never used), not a fault of the node. */
    RESOURCE_EXHAUSTED,
    DEADLINE_EXCEEDED,
    INTERNAL
  }

  private final Kind kind;

  public CriException(Kind kind, String message, @Nullable Throwable cause) {
    super(requireNonNull(message, "message"), cause);
    this.kind = requireNonNull(kind, "kind");
  }

  public CriException(Kind kind, String message) {
    this(kind, message, null);
  }

  public Kind kind() {
    return kind;
  }

  public static CriException invalidArgument(String message) {
    return new CriException(Kind.INVALID_ARGUMENT, message);
  }

  public static CriException notFound(String message) {
    return new CriException(Kind.NOT_FOUND, message);
  }

  public static CriException internal(String message, @Nullable Throwable cause) {
    return new CriException(Kind.INTERNAL, message, cause);
  }
}
