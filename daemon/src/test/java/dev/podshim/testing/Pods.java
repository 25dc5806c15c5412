package dev.podshim.testing;

import dev.podshim.cri.v1.LinuxPodSandboxConfig;
import dev.podshim.cri.v1.LinuxSandboxSecurityContext;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxMetadata;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import java.util.UUID;

/** Pod configs as kubelet sends them. */
public final class Pods {
  private Pods() {}

  public static PodSandboxConfig.Builder config(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("test")
            .setUid(UUID.randomUUID().toString()).setAttempt(0))
        .setHostname(name)
        .setLinux(LinuxPodSandboxConfig.newBuilder()
            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))));
  }

  public static PodSandboxConfig.Builder hostNetwork(String name) {
    PodSandboxConfig.Builder b = config(name);
    b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setNetwork(NamespaceMode.NODE);
    return b;
  }

  public static RunPodSandboxRequest run(PodSandboxConfig.Builder config) {
    return RunPodSandboxRequest.newBuilder().setConfig(config).build();
  }
}
