package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import dev.podshim.store.SandboxConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Sandbox names in use. The first RunPodSandbox for a name owns it; a retry with the same config
 * (kubelet after a client timeout) joins the first instead of failing, and a different config is
 * ALREADY_EXISTS.
 */
final class Reservations {
  /** A name's owner: its config and the sandbox id once RunPodSandbox finished. */
  record Reservation(SandboxConfig config, CompletableFuture<String> id) {}

  private final ConcurrentHashMap<String, Reservation> byName = new ConcurrentHashMap<>();

  /** Returns null when the caller now owns the name, else the existing reservation. */
  @Nullable Reservation reserve(String name, SandboxConfig config) {
    Reservation mine = new Reservation(config, new CompletableFuture<>());
    Reservation existing = byName.putIfAbsent(name, mine);
    return existing;
  }

  Reservation owned(String name) {
    Reservation r = byName.get(name);
    if (r == null) {
      throw CriException.internal("name " + name + " is not reserved", null);
    }
    return r;
  }

  /** Records a recovered sandbox's name. */
  void restore(String name, SandboxConfig config, String id) {
    byName.put(name, new Reservation(config, CompletableFuture.completedFuture(id)));
  }

  void release(String name) {
    byName.remove(name);
  }

  /** Releases a name whose creation failed and wakes the retries waiting on it. */
  void fail(String name, Throwable cause) {
    Reservation r = byName.remove(name);
    if (r != null) {
      r.id().completeExceptionally(cause);
    }
  }
}
