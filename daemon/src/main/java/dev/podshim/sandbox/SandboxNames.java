package dev.podshim.sandbox;

import dev.podshim.store.SandboxConfig.PodMetadata;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Sandbox names and ids, spelled as kubelet-era runtimes spell them. */
final class SandboxNames {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SandboxNames() {}

  /** {@code k8s_POD_<name>_<namespace>_<uid>_<attempt>}: unique per pod attempt. */
  static String nameOf(PodMetadata m) {
    return String.join("_", "k8s", "POD", m.name(), m.namespace(), m.uid(), Integer.toUnsignedString(m.attempt()));
  }

  /** 64 random hex characters, like containerd and CRI-O ids. */
  static String newId() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
