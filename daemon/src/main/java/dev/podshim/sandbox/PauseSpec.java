package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.store.UserNamespace;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one pause process creates: the namespaces to unshare, the hostname of its UTS namespace
 * and the sysctls to set in its namespaces, applied in map order.
 *
 * @param userNamespace the pod's own user namespace, made first, owning the others; null: the node's
 */
public record PauseSpec(
    boolean newNet,
    boolean newIpc,
    boolean newUts,
    boolean newPid,
    @Nullable String hostname,
    Map<String, String> sysctls,
    @Nullable UserNamespace userNamespace) {

  public PauseSpec {
    requireNonNull(sysctls, "sysctls");
    sysctls = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(sysctls));
    if (hostname != null && !newUts) {
      // Without its own UTS namespace the pod would rename the node.
      throw new IllegalArgumentException("a hostname needs a new UTS namespace");
    }
    if (userNamespace != null && userNamespace.host()) {
      throw new IllegalArgumentException("the node's user namespace is not made");
    }
  }

  /** In the node's user namespace. */
  public PauseSpec(boolean newNet, boolean newIpc, boolean newUts, boolean newPid, @Nullable String hostname,
      Map<String, String> sysctls) {
    this(newNet, newIpc, newUts, newPid, hostname, sysctls, null);
  }
}
