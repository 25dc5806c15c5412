package dev.podshim.os;

import static java.util.Objects.requireNonNull;

/**
 * A failed system call: its errno, and a message naming the call and what it acted on, e.g.
 * {@code "pidfd_open 4242: No such process"}.
 */
public final class OsException extends RuntimeException {

  /** errno values callers of this package test for. */
  public static final int EPERM = Libc.EPERM;
  public static final int ENOENT = Libc.ENOENT;
  public static final int ELOOP = Libc.ELOOP;
  public static final int ESRCH = Libc.ESRCH;
  public static final int ECHILD = Libc.ECHILD;
  public static final int E2BIG = Libc.E2BIG;
  public static final int EINVAL = Libc.EINVAL;
  public static final int ENODATA = Libc.ENODATA;
  public static final int EOPNOTSUPP = Libc.EOPNOTSUPP;
  public static final int ETIMEDOUT = Libc.ETIMEDOUT;

  private final int errno;

  OsException(String call, String subject, int errno) {
    this(call, subject, errno, Libc.strerror(errno));
  }

  OsException(String call, String subject, int errno, String reason) {
    super(requireNonNull(call, "call") + " " + requireNonNull(subject, "subject") + ": "
        + requireNonNull(reason, "reason"));
    this.errno = errno;
  }

  /** The errno the call failed with. */
  public int errno() {
    return errno;
  }
}
