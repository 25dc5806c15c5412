package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A user namespace as a CRI client asked for it: the node's ({@code host}, CRI mode NODE) or one
 * of the pod's own (mode POD) with its single uid and gid mapping, which map container id 0 to
 * an unprivileged host range. The api layer checks the mappings before one of these exists.
 *
 * @param uid null exactly when {@code host}
 * @param gid null exactly when {@code host}
 */
public record UserNamespace(boolean host, @Nullable IdMapping uid, @Nullable IdMapping gid) {

  /** Mode NODE: the node's user namespace. */
  public static final UserNamespace NODE = new UserNamespace(true, null, null);

  public UserNamespace {
    if (host != (uid == null) || host != (gid == null)) {
      throw new IllegalArgumentException("a pod user namespace has a uid and a gid mapping, the node's none");
    }
  }

  /** Mode POD with these mappings. */
  public static UserNamespace pod(IdMapping uid, IdMapping gid) {
    return new UserNamespace(false, requireNonNull(uid, "uid"), requireNonNull(gid, "gid"));
  }

  /** The uid mapping of a pod user namespace. */
  public IdMapping uidMapping() {
    return requireNonNull(uid, "the node's user namespace has no mappings");
  }

  /** The gid mapping of a pod user namespace. */
  public IdMapping gidMapping() {
    return requireNonNull(gid, "the node's user namespace has no mappings");
  }

  /** Ids {@code containerId..containerId+length-1} in the namespace are {@code hostId..} on the host. */
  public record IdMapping(long containerId, long hostId, long length) {
    public IdMapping {
      if (containerId < 0 || hostId < 0 || length <= 0) {
        throw new IllegalArgumentException("bad id mapping " + containerId + " " + hostId + " " + length);
      }
    }

    /** The line of /proc/PID/uid_map (or gid_map) that makes this mapping. */
    public String line() {
      return containerId + " " + hostId + " " + length;
    }
  }
}
