package dev.podshim.testing;

import dev.podshim.cri.v1.IDMapping;
import dev.podshim.cri.v1.LinuxPodSandboxConfig;
import dev.podshim.cri.v1.LinuxSandboxSecurityContext;
import dev.podshim.cri.v1.NamespaceMode;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.PodSandboxConfig;
import dev.podshim.cri.v1.PodSandboxMetadata;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.UserNamespace;
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

  /**
   * A user namespace of the pod's own as kubelet asks for {@code hostUsers: false}: container ids
   * 0..65535 are host ids {@code hostId..hostId+65535}, for uids and gids alike. The same options go
   * into each container's security context.
   */
  public static UserNamespace.Builder userNamespace(int hostId) {
    IDMapping m = IDMapping.newBuilder().setContainerId(0).setHostId(hostId).setLength(65536).build();
    return UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(m).addGids(m);
  }
}
