package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;
import static dev.podshim.container.Fields.invalid;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The spec's {@code linux.namespaces}: a mount namespace of its own, the pod's network, IPC and
 * UTS namespaces (none, i.e. the host's, where the pod uses the node's), and the PID namespace
 * the container's PID mode asks for, and the pod's user namespace when it has its own. The UTS
 * namespace already has the pod's hostname.
 */
final class SpecNamespaces {
  private SpecNamespaces() {}

  static ArrayNode build(SpecInput in) {
    PodContext pod = in.pod();
    NamespaceModes podModes = pod.namespaces();
    ArrayNode namespaces = Json.array();
    namespaces.add(namespace("mount", null));
    if (PodUserNamespace.joined(in.config().security().userNamespace(), pod) != null) {
      namespaces.add(namespace("user", pinned(pod, "user", pod.userns())));
    }
    if (!podModes.hostNetwork()) {
      namespaces.add(namespace("network", pinned(pod, "network", pod.netns())));
      namespaces.add(namespace("uts", pinned(pod, "UTS", pod.utsns())));
    }
    if (!podModes.hostIpc()) {
      namespaces.add(namespace("ipc", pinned(pod, "IPC", pod.ipcns())));
    }
    String field = SECURITY + ".namespace_options.pid";
    switch (in.config().security().namespaces().pid()) {
      case POD -> {
        if (pod.pidns() == null) {
          throw invalid(field, "POD, but sandbox " + pod.sandboxId() + " has no PID namespace of its own");
        }
        namespaces.add(namespace("pid", pod.pidns()));
      }
      case CONTAINER -> namespaces.add(namespace("pid", null));
      case NODE -> { }
      case TARGET -> {
        if (in.targetPidns() == null) {
          throw invalid(field, "TARGET, but no target container PID namespace was found");
        }
        namespaces.add(namespace("pid", in.targetPidns()));
      }
    }
    return namespaces;
  }

  private static Path pinned(PodContext pod, String what, @Nullable Path path) {
    if (path == null) {
      throw CriException.internal("sandbox " + pod.sandboxId() + " has no pinned " + what + " namespace", null);
    }
    return path;
  }

  private static ObjectNode namespace(String type, @Nullable Path path) {
    ObjectNode ns = Json.object().put("type", type);
    if (path != null) {
      ns.put("path", path.toString());
    }
    return ns;
  }
}
