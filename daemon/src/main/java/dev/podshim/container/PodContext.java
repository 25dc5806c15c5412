package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import dev.podshim.store.SandboxConfig;
import dev.podshim.store.UserNamespace;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What a container takes from its pod sandbox: the pinned namespaces it joins, the pod's files
 * and cgroup, and the names containerd's CRI annotations carry.
 *
 * @param netns pinned network namespace; null for a host-network pod
 * @param ipcns pinned IPC namespace; null for host IPC
 * @param utsns pinned UTS namespace; null for a host-network pod
 * @param pidns pinned PID namespace of pause; null unless the pod shares one (PID mode POD)
 * @param shm the pod's /dev/shm (a tmpfs shared by its containers); null for host IPC
 * @param cgroupParent the pod's cgroup parent as kubelet spelled it; empty when none
 * @param userNamespace the pod's own user namespace; null when it has the node's
 * @param userns the pinned user namespace; null when it has the node's
 */
public record PodContext(
    String sandboxId,
    String sandboxName,
    String podName,
    String podNamespace,
    String podUid,
    SandboxConfig.NamespaceModes namespaces,
    @Nullable Path netns,
    @Nullable Path ipcns,
    @Nullable Path utsns,
    @Nullable Path pidns,
    Path hostsFile,
    Path resolvConf,
    Path hostnameFile,
    @Nullable Path shm,
    String cgroupParent,
    String hostname,
    @Nullable UserNamespace userNamespace,
    @Nullable Path userns) {
  public PodContext {
    requireNonNull(sandboxId, "sandboxId");
    requireNonNull(sandboxName, "sandboxName");
    requireNonNull(podName, "podName");
    requireNonNull(podNamespace, "podNamespace");
    requireNonNull(podUid, "podUid");
    requireNonNull(namespaces, "namespaces");
    requireNonNull(hostsFile, "hostsFile");
    requireNonNull(resolvConf, "resolvConf");
    requireNonNull(hostnameFile, "hostnameFile");
    requireNonNull(cgroupParent, "cgroupParent");
    requireNonNull(hostname, "hostname");
  }
}
