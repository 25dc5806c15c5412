package dev.podshim.container;

import dev.podshim.errors.CriException;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.IdIndex;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxConfig.PodMetadata;
import java.util.concurrent.ConcurrentHashMap;

/** Container names, unique on the node while their container exists, and ids. */
final class ContainerNames {
  private final ConcurrentHashMap<String, String> idByName = new ConcurrentHashMap<>();

  /** {@code k8s_<container>_<pod>_<namespace>_<uid>_<attempt>}, as kubelet-era runtimes name them. */
  static String nameOf(ContainerConfig config, Sandbox sandbox) {
    PodMetadata pod = sandbox.metadata().config().metadata();
    return String.join("_", "k8s", config.name(), pod.name(), pod.namespace(), pod.uid(),
        Integer.toUnsignedString(config.attempt()));
  }

  static String newId() {
    return IdIndex.newId();
  }

  /** ALREADY_EXISTS naming the holder when the name is taken. */
  void reserve(String name, String id) {
    String holder = idByName.putIfAbsent(name, id);
    if (holder != null && !holder.equals(id)) {
      throw new CriException(CriException.Kind.ALREADY_EXISTS,
          "container name " + name + " is already used by container " + holder);
    }
  }

  void release(String name, String id) {
    idByName.remove(name, id);
  }
}
