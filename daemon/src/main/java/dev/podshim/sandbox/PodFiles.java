package dev.podshim.sandbox;

import dev.podshim.store.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Where a sandbox keeps what its containers bind or join: pod files, pinned namespaces, shm. */
public final class PodFiles {
  private PodFiles() {}

  public static Path hosts(Sandbox sandbox) {
    return sandbox.dir().resolve(SandboxFiles.HOSTS);
  }

  public static Path resolvConf(Sandbox sandbox) {
    return sandbox.dir().resolve(SandboxFiles.RESOLV_CONF);
  }

  public static Path hostname(Sandbox sandbox) {
    return sandbox.dir().resolve(SandboxFiles.HOSTNAME);
  }

  /** The pod's shm tmpfs; null for a host-IPC pod. */
  public static @Nullable Path shm(Sandbox sandbox) {
    return sandbox.metadata().config().namespaces().hostIpc() ? null : PodShm.path(sandbox.dir());
  }

  /** The pinned namespace, or null when the pod does not own one of that type. */
  public static @Nullable Path namespace(Sandbox sandbox, Namespace ns) {
    if (!SandboxService.namespacesOf(sandbox.metadata().config()).contains(ns)) {
      return null;
    }
    Path pin = sandbox.nsDir().resolve(ns.procName());
    return Files.exists(pin) ? pin : null;
  }
}
