package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;

import dev.podshim.store.UserNamespace;
import org.jspecify.annotations.Nullable;

/**
 * Which user namespace a container joins: its pod's. A container may leave the choice to the pod
 * or repeat the pod's; one that names another (the node's in a pod with its own, or other
 * mappings) is refused, since every namespace of the pod belongs to the pod's user namespace.
 */
final class PodUserNamespace {
  private static final String FIELD = SECURITY + ".namespace_options.userns_options";

  private PodUserNamespace() {}

  /** The pod's user namespace the container joins; null when the pod has the node's. */
  static @Nullable UserNamespace joined(@Nullable UserNamespace asked, PodContext pod) {
    UserNamespace own = pod.userNamespace();
    if (asked == null) {
      return own;
    }
    if (asked.host()) {
      if (own != null) {
        throw invalid(FIELD + ".mode", "NODE, but sandbox " + pod.sandboxId() + " has a user namespace of its own"
            + " (mode POD)");
      }
      return null;
    }
    if (own == null) {
      throw invalid(FIELD + ".mode", "POD, but sandbox " + pod.sandboxId() + " uses the node's user namespace");
    }
    if (!asked.uidMapping().equals(own.uidMapping())) {
      throw invalid(FIELD + ".uids", "[" + asked.uidMapping().line() + "] differ from sandbox " + pod.sandboxId()
          + "'s [" + own.uidMapping().line() + "]");
    }
    if (!asked.gidMapping().equals(own.gidMapping())) {
      throw invalid(FIELD + ".gids", "[" + asked.gidMapping().line() + "] differ from sandbox " + pod.sandboxId()
          + "'s [" + own.gidMapping().line() + "]");
    }
    return own;
  }
}
