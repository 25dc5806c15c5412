package dev.podshim.sandbox;

import dev.podshim.store.SandboxConfig.PodMetadata;
import dev.podshim.store.IdIndex;

/** Sandbox names and ids, spelled as kubelet-era runtimes spell them. */
final class SandboxNames {

  private SandboxNames() {}

  /** {@code k8s_POD_<name>_<namespace>_<uid>_<attempt>}: unique per pod attempt. */
  static String nameOf(PodMetadata m) {
    return String.join("_", "k8s", "POD", m.name(), m.namespace(), m.uid(), Integer.toUnsignedString(m.attempt()));
  }

  static String newId() {
    return IdIndex.newId();
  }
}
