package dev.podshim.container;

import static dev.podshim.container.Fields.SECURITY;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.oci.Capabilities;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerConfig.Security;
import dev.podshim.store.UserNamespace;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Writes a container's OCI runtime spec (config.json for runc 1.1) from its CRI config, its
 * image and its pod, as containerd's CRI plugin does. Every client value that reaches the spec
 * is checked on the way; a bad one is INVALID_ARGUMENT naming its field.
 */
public final class SpecBuilder {
  static final String OCI_VERSION = "1.0.2-dev";

  /** containerd's defaults for linux.maskedPaths and linux.readonlyPaths. */
  static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/sys/devices/virtual/powercap", "/proc/scsi");
  static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private SpecBuilder() {}

  public static BuiltSpec build(SpecInput in) {
    return build(in, HostPaths.LIVE);
  }

  static BuiltSpec build(SpecInput in, HostPaths host) {
    ContainerConfig config = in.config();
    Security security = config.security();
    Set<String> ambient = Capabilities.ambient(security.addAmbientCapabilities(), in.host().capabilities());
    Set<String> caps = SpecProcess.union(Capabilities.resolve(security.addCapabilities(),
        security.dropCapabilities(), security.privileged(), in.host().capabilities()), ambient);
    ResolvedUser user = new UserResolver(in.rootfs()).resolve(security, in.image().user());

    ObjectNode spec = Json.object();
    spec.put("ociVersion", OCI_VERSION);
    spec.set("process", SpecProcess.build(in, user, caps, ambient));
    spec.putObject("root").put("path", in.rootfs().toAbsolutePath().toString())
        .put("readonly", security.readonlyRootfs());
    SpecMounts.Result mounts = SpecMounts.build(in, host.mountinfo());
    SpecCommand.checkInImage(in.rootfs(), mounts.mounts().stream().map(SpecMounts.Mount::destination).toList(),
        config, in.image());
    spec.set("mounts", mounts.json());
    spec.set("annotations", annotations(in));
    spec.set("linux", linux(in, host, caps, mounts.rootfsPropagation()));
    SpecCdi.apply(spec, in.cdi());
    return new BuiltSpec(spec, user);
  }

  private static ObjectNode linux(SpecInput in, HostPaths host, Set<String> caps,
      @Nullable String rootfsPropagation) {
    Security security = in.config().security();
    ObjectNode linux = Json.object();
    SpecDevices.Result devices = SpecDevices.build(in.config().devices(), security.privileged(), host.dev());
    linux.set("devices", devices.devices());
    ObjectNode resources = SpecResources.build("config.linux.resources", in.config().resources(), in.host().node());
    resources.set("devices", devices.cgroupRules());
    linux.set("resources", resources);
    linux.put("cgroupsPath", SpecResources.cgroupsPath(in.cgroupDriver(), in.pod().cgroupParent(), in.containerId()));
    linux.set("namespaces", SpecNamespaces.build(in));
    UserNamespace userns = PodUserNamespace.joined(security.userNamespace(), in.pod());
    if (userns != null) {
      // runc and crun take the mappings beside the namespace's path, to know the container's root
      linux.set("uidMappings", Json.array().add(mapping(userns.uidMapping())));
      linux.set("gidMappings", Json.array().add(mapping(userns.gidMapping())));
    }
    linux.set("maskedPaths", Json.strings(security.privileged() ? List.of()
        : paths(SECURITY + ".masked_paths", security.maskedPaths(), MASKED_PATHS)));
    linux.set("readonlyPaths", Json.strings(security.privileged() ? List.of()
        : paths(SECURITY + ".readonly_paths", security.readonlyPaths(), READONLY_PATHS)));
    ObjectNode seccomp = SpecSeccomp.build(security, caps);
    if (seccomp != null) {
      linux.set("seccomp", seccomp);
    }
    if (rootfsPropagation != null) {
      linux.put("rootfsPropagation", rootfsPropagation);
    }
    return linux;
  }

  private static ObjectNode mapping(UserNamespace.IdMapping m) {
    return Json.object().put("containerID", m.containerId()).put("hostID", m.hostId()).put("size", m.length());
  }

  /** The config's list, or the defaults when it is empty. */
  private static List<String> paths(String field, List<String> requested, List<String> defaults) {
    for (int i = 0; i < requested.size(); i++) {
      Fields.absolute(field + "[" + i + "]", requested.get(i));
    }
    return requested.isEmpty() ? defaults : requested;
  }

  /** The config's annotations, then those containerd's CRI plugin sets (which win). */
  private static ObjectNode annotations(SpecInput in) {
    ObjectNode annotations = Json.object();
    for (Map.Entry<String, String> e : in.config().annotations().entrySet()) {
      Fields.noNul("config.annotations", e.getKey());
      annotations.put(e.getKey(), Fields.noNul("config.annotations[" + Fields.quoted(e.getKey()) + "]", e.getValue()));
    }
    PodContext pod = in.pod();
    annotations.put("io.kubernetes.cri.container-type", "container");
    annotations.put("io.kubernetes.cri.container-name", Fields.noNul("config.metadata.name", in.config().name()));
    annotations.put("io.kubernetes.cri.sandbox-id", pod.sandboxId());
    annotations.put("io.kubernetes.cri.sandbox-name", pod.podName());
    annotations.put("io.kubernetes.cri.sandbox-namespace", pod.podNamespace());
    annotations.put("io.kubernetes.cri.sandbox-uid", pod.podUid());
    annotations.put("io.kubernetes.cri.image-name", Fields.noNul("config.image", in.config().image()));
    return annotations;
  }
}
