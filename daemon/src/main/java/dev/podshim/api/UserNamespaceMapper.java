package dev.podshim.api;

import dev.podshim.cri.v1.IDMapping;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.UserNamespace;
import dev.podshim.errors.CriException;
import dev.podshim.store.UserNamespace.IdMapping;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * {@code namespace_options.userns_options} → the domain's user namespace, refusing what podshim
 * cannot make safely: a mode other than POD or NODE, anything but one uid and one gid mapping,
 * a mapping that leaves container root unmapped, maps host root or runs past the last id. One
 * mapping each is containerd's rule too; with one there is nothing to overlap.
 */
final class UserNamespaceMapper {
  /** The largest id plus one: uid_t is 32 bits and (uid_t) -1 means "no id". */
  private static final long ID_LIMIT = 0xFFFF_FFFFL;

  private UserNamespaceMapper() {}

  /**
   * The user namespace asked for at {@code field} (a namespace_options): null when not asked for,
   * {@link dev.podshim.store.UserNamespace#NODE} for mode NODE.
   */
  static dev.podshim.store.@Nullable UserNamespace fromProto(String field, NamespaceOption ns) {
    if (!ns.hasUsernsOptions()) {
      return null;
    }
    UserNamespace u = ns.getUsernsOptions();
    String at = field + ".userns_options";
    NamespaceMode mode = u.getMode();
    if (mode == NamespaceMode.NODE) {
      if (u.getUidsCount() > 0 || u.getGidsCount() > 0) {
        throw CriException.invalidArgument(at + ": mode NODE takes no uids or gids mappings");
      }
      return dev.podshim.store.UserNamespace.NODE;
    }
    if (mode != NamespaceMode.POD) {
      throw CriException.invalidArgument(at + ".mode: " + mode + " is not supported; POD (the pod's own user"
          + " namespace) or NODE (the node's)");
    }
    return dev.podshim.store.UserNamespace.pod(only(at + ".uids", u.getUidsList()),
        only(at + ".gids", u.getGidsList()));
  }

  /** The one mapping at {@code field}, checked. */
  static IdMapping only(String field, List<IDMapping> mappings) {
    if (mappings.size() != 1) {
      throw CriException.invalidArgument(field + ": exactly one mapping is supported, got " + mappings.size());
    }
    IDMapping m = mappings.getFirst();
    long container = Integer.toUnsignedLong(m.getContainerId());
    long host = Integer.toUnsignedLong(m.getHostId());
    long length = Integer.toUnsignedLong(m.getLength());
    String at = field + "[0]";
    if (length == 0) {
      throw CriException.invalidArgument(at + ".length: must be at least 1");
    }
    if (container != 0) {
      throw CriException.invalidArgument(at + ".container_id: must be 0, so that the container's root is mapped;"
          + " got " + container);
    }
    if (host == 0) {
      throw CriException.invalidArgument(at + ".host_id: 0 would map host root into the pod");
    }
    if (host + length > ID_LIMIT || container + length > ID_LIMIT) {
      throw CriException.invalidArgument(at + ": host ids " + host + " to " + (host + length - 1)
          + " run past the last id " + (ID_LIMIT - 1));
    }
    return new IdMapping(container, host, length);
  }
}
