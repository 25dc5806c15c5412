package dev.podshim.api;

import dev.podshim.cdi.CdiRequests;
import dev.podshim.cri.v1.Capability;
import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.LinuxContainerResources;
import dev.podshim.cri.v1.LinuxContainerSecurityContext;
import dev.podshim.cri.v1.NamespaceOption;
import dev.podshim.cri.v1.SecurityProfile;
import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import dev.podshim.errors.Metadata;
import dev.podshim.oci.AppArmorProfileName;
import dev.podshim.store.ContainerConfig.Device;
import dev.podshim.store.ContainerConfig.Env;
import dev.podshim.store.ContainerConfig.GroupsPolicy;
import dev.podshim.store.ContainerConfig.Mount;
import dev.podshim.store.ContainerConfig.Profile;
import dev.podshim.store.ContainerConfig.ProfileType;
import dev.podshim.store.ContainerConfig.Propagation;
import dev.podshim.store.ContainerConfig.Resources;
import dev.podshim.store.ContainerConfig.Security;
import dev.podshim.store.SandboxConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** CreateContainer's protobuf config → the domain's ContainerConfig, refusing what is absent or unknown. */
final class ContainerConfigMapper {
  private static final String SEC = "config.linux.security_context";
  /** A name (255) plus a digest, with room: longer is no image reference. */
  private static final int MAX_IMAGE_NAME = 512;

  private ContainerConfigMapper() {}

  static dev.podshim.store.ContainerConfig fromProto(ContainerConfig c) {
    if (!c.hasMetadata() || c.getMetadata().getName().isEmpty()) {
      throw CriException.invalidArgument("config.metadata.name: is required");
    }
    // the same limits as a pod's: the name is part of the container's runtime name and conmon's arguments
    Metadata.name("config.metadata.name", c.getMetadata().getName(), true);
    Metadata.mapSize("config.labels", c.getLabelsMap());
    Metadata.mapSize("config.annotations", c.getAnnotationsMap());
    if (!c.hasImage() || c.getImage().getImage().isEmpty()) {
      throw CriException.invalidArgument("config.image.image: is required");
    }
    List<String> cdiDevices = c.getCDIDevicesList().stream().map(dev.podshim.cri.v1.CDIDevice::getName).toList();
    // names checked here; whether a spec file defines them, at create time (the files change)
    CdiRequests.of(cdiDevices, c.getAnnotationsMap());
    List<Env> envs = new ArrayList<>();
    for (int i = 0; i < c.getEnvsCount(); i++) {
      var kv = c.getEnvs(i);
      if (!kv.getValue().isValidUtf8()) {
        throw CriException.invalidArgument("config.envs[" + i + "].value: is not UTF-8");
      }
      envs.add(new Env(kv.getKey(), kv.getValue().toStringUtf8()));
    }
    var userns = UserNamespaceMapper.fromProto(SEC + ".namespace_options",
        c.getLinux().getSecurityContext().getNamespaceOptions());
    List<Mount> mounts = new ArrayList<>();
    for (int i = 0; i < c.getMountsCount(); i++) {
      mounts.add(mount(i, c.getMounts(i), userns));
    }
    List<Device> devices = new ArrayList<>();
    for (int i = 0; i < c.getDevicesCount(); i++) {
      var d = c.getDevices(i);
      Inputs.path("config.devices[" + i + "].container_path", d.getContainerPath(), Inputs.MAX_PATH_BYTES);
      Inputs.path("config.devices[" + i + "].host_path", d.getHostPath(), Inputs.MAX_PATH_BYTES);
      devices.add(new Device(d.getContainerPath(), d.getHostPath(), d.getPermissions()));
    }
    Inputs.path("config.log_path", c.getLogPath(), Inputs.MAX_PATH_BYTES);
    Inputs.path("config.working_dir", c.getWorkingDir(), Inputs.MAX_PATH_BYTES);
    imageName("config.image.image", c.getImage().getImage());
    imageName("config.image.user_specified_image", c.getImage().getUserSpecifiedImage());
    var linux = c.getLinux();
    return new dev.podshim.store.ContainerConfig(
        c.getMetadata().getName(), c.getMetadata().getAttempt(), c.getImage().getImage(),
        c.getImage().getUserSpecifiedImage(),
        c.getCommandList(), c.getArgsList(), c.getWorkingDir(), envs, mounts, devices,
        c.getLabelsMap(), c.getAnnotationsMap(), c.getLogPath(), c.getStdin(), c.getStdinOnce(), c.getTty(),
        resources(linux.getResources()), security(linux.getSecurityContext()),
        c.getStopSignalValue() == 0 ? "" : c.getStopSignal().name(), cdiDevices);
  }

  private static void imageName(String field, String name) {
    if (name.length() > MAX_IMAGE_NAME) {
      throw CriException.invalidArgument(field + ": " + Inputs.quoted(name) + " is longer than " + MAX_IMAGE_NAME
          + " characters");
    }
  }

  private static Mount mount(int i, dev.podshim.cri.v1.Mount m, dev.podshim.store.@Nullable UserNamespace userns) {
    Inputs.path("config.mounts[" + i + "].container_path", m.getContainerPath(), Inputs.MAX_PATH_BYTES);
    Inputs.path("config.mounts[" + i + "].host_path", m.getHostPath(), Inputs.MAX_PATH_BYTES);
    boolean image = m.hasImage() && !m.getImage().getImage().isEmpty();
    if (image) {
      imageVolume(i, m);
    } else if (!m.getImageSubPath().isEmpty()) {
      throw CriException.invalidArgument("config.mounts[" + i + "].image_sub_path: needs image to be set");
    }
    idMappings("config.mounts[" + i + "]", m, userns);
    Propagation[] values = Propagation.values();
    int p = m.getPropagationValue();
    if (p < 0 || p >= values.length) {
      throw CriException.invalidArgument("config.mounts[" + i + "].propagation: unknown value " + p);
    }
    for (int j = 0; j < m.getMountOptionsCount(); j++) {
      String option = m.getMountOptions(j);
      if (!Mount.MOUNT_OPTIONS.contains(option)) {
        throw CriException.invalidArgument("config.mounts[" + i + "].mount_options[" + j + "]: "
            + Inputs.quoted(option) + " is not one of " + new java.util.TreeSet<>(Mount.MOUNT_OPTIONS));
      }
    }
    return new Mount(m.getContainerPath(), m.getHostPath(), m.getReadonly(), m.getRecursiveReadOnly(), values[p],
        m.getMountOptionsList().stream().distinct().toList(), image ? m.getImage().getImage() : "",
        m.getImageSubPath());
  }

  /** An image volume, as containerd takes one: no host path, read-only, a sub path that stays relative and inside. */
  private static void imageVolume(int i, dev.podshim.cri.v1.Mount m) {
    String field = "config.mounts[" + i + "]";
    imageName(field + ".image.image", m.getImage().getImage());
    if (!m.getHostPath().isEmpty()) {
      throw CriException.invalidArgument(field + ".host_path: must be empty for an image volume, got "
          + Inputs.quoted(m.getHostPath()));
    }
    if (!m.getReadonly()) {
      throw CriException.invalidArgument(field + ".readonly: an image volume is mounted read-only; set readonly");
    }
    String sub = m.getImageSubPath();
    Inputs.path(field + ".image_sub_path", sub, Inputs.MAX_PATH_BYTES);
    if (sub.startsWith("/")) {
      throw CriException.invalidArgument(field + ".image_sub_path: must be relative to the image's root, got "
          + Inputs.quoted(sub));
    }
    if (java.util.Arrays.asList(sub.split("/")).contains("..")) {
      throw CriException.invalidArgument(field + ".image_sub_path: must not contain \"..\", got " + Inputs.quoted(sub));
    }
  }

  /**
   * A mount's id mappings, if any, must be the container's user namespace's: in a pod user namespace
   * every mount is id-mapped with the pod's mappings, and no other mapping is offered.
   */
  private static void idMappings(String field, dev.podshim.cri.v1.Mount m,
      dev.podshim.store.@Nullable UserNamespace userns) {
    if (m.getUidMappingsCount() == 0 && m.getGidMappingsCount() == 0) {
      return;
    }
    if (userns == null || userns.host()) {
      throw CriException.invalidArgument(field + ".uid_mappings: id-mapped mounts need the container's"
          + " namespace_options.userns_options in mode POD");
    }
    if (!UserNamespaceMapper.only(field + ".uid_mappings", m.getUidMappingsList()).equals(userns.uidMapping())
        || !UserNamespaceMapper.only(field + ".gid_mappings", m.getGidMappingsList()).equals(userns.gidMapping())) {
      throw CriException.invalidArgument(field + ".uid_mappings: differ from the user namespace's mappings;"
          + " only the pod's own mappings are supported");
    }
  }

  static Resources resources(LinuxContainerResources r) {
    Map<String, Long> hugepages = new LinkedHashMap<>();
    r.getHugepageLimitsList().forEach(h -> hugepages.put(h.getPageSize(), h.getLimit()));
    return new Resources(r.getCpuPeriod(), r.getCpuQuota(), r.getCpuShares(), r.getMemoryLimitInBytes(),
        r.getOomScoreAdj(), r.getCpusetCpus(), r.getCpusetMems(), hugepages, r.getUnifiedMap(),
        r.getMemorySwapLimitInBytes());
  }

  private static Security security(LinuxContainerSecurityContext s) {
    Capability caps = s.getCapabilities();
    NamespaceOption ns = s.getNamespaceOptions();
    var userns = UserNamespaceMapper.fromProto(SEC + ".namespace_options", ns);
    int policy = s.getSupplementalGroupsPolicyValue();
    if (policy < 0 || policy >= GroupsPolicy.values().length) {
      throw CriException.invalidArgument(SEC + ".supplemental_groups_policy: unknown value " + policy);
    }
    return new Security(caps.getAddCapabilitiesList(), caps.getDropCapabilitiesList(),
        caps.getAddAmbientCapabilitiesList(), s.getPrivileged(),
        new SandboxConfig.NamespaceModes(mode("network", ns.getNetworkValue()), mode("pid", ns.getPidValue()),
            mode("ipc", ns.getIpcValue()), ns.getTargetId()),
        s.hasRunAsUser() ? s.getRunAsUser().getValue() : null,
        s.hasRunAsGroup() ? s.getRunAsGroup().getValue() : null,
        s.getRunAsUsername(), s.getReadonlyRootfs(), s.getSupplementalGroupsList(), GroupsPolicy.values()[policy],
        s.getNoNewPrivs(), s.getMaskedPathsList(), s.getReadonlyPathsList(),
        seccomp(s), apparmor(s), userns);
  }

  private static Profile seccomp(LinuxContainerSecurityContext s) {
    if (s.hasSeccomp()) {
      return profile("seccomp", s.getSeccomp());
    }
    // no profile at all is unconfined, as containerd and CRI-O take it (kubelet always sends one)
    return legacy("seccomp_profile_path", s.getSeccompProfilePath(), new Profile(ProfileType.UNCONFINED, ""));
  }

  /** The structured field wins over the deprecated string, as kubelet fills both. */
  private static @Nullable Profile apparmor(LinuxContainerSecurityContext s) {
    String field = s.hasApparmor() ? "apparmor.localhost_ref" : "apparmor_profile";
    Profile p = s.hasApparmor() ? profile("apparmor", s.getApparmor())
        : s.getApparmorProfile().isEmpty() ? null : legacy("apparmor_profile", s.getApparmorProfile(), null);
    if (p != null && p.type() == ProfileType.LOCALHOST) {
      // the name reaches runc and the kernel: checked where the field it came in is known
      String ref = p.localhostRef();
      AppArmorProfileName.check(SEC + "." + field, ref.startsWith("localhost/") ? ref.substring(10) : ref);
    }
    return p;
  }

  private static Profile profile(String field, SecurityProfile p) {
    return switch (p.getProfileType()) {
      case RuntimeDefault -> Profile.runtimeDefault();
      case Unconfined -> new Profile(ProfileType.UNCONFINED, "");
      case Localhost -> {
        if (p.getLocalhostRef().isEmpty()) {
          throw CriException.invalidArgument(SEC + "." + field + ".localhost_ref: is required for Localhost");
        }
        yield new Profile(ProfileType.LOCALHOST, p.getLocalhostRef());
      }
      case UNRECOGNIZED -> throw CriException.invalidArgument(SEC + "." + field + ".profile_type: unknown value "
          + p.getProfileTypeValue());
    };
  }

  /** The deprecated string form: "", "runtime/default", "docker/default", "unconfined", "localhost/<path>". */
  private static @Nullable Profile legacy(String field, String value, @Nullable Profile ifEmpty) {
    if (value.isEmpty()) {
      return ifEmpty;
    }
    if (value.equals("runtime/default") || value.equals("docker/default")) {
      return Profile.runtimeDefault();
    }
    if (value.equals("unconfined")) {
      return new Profile(ProfileType.UNCONFINED, "");
    }
    if (value.startsWith("localhost/")) {
      return new Profile(ProfileType.LOCALHOST, value.substring("localhost/".length()));
    }
    throw CriException.invalidArgument(SEC + "." + field + ": \"" + value
        + "\" is not runtime/default, unconfined or localhost/<path>");
  }

  private static SandboxConfig.Mode mode(String field, int value) {
    SandboxConfig.Mode[] modes = SandboxConfig.Mode.values();
    if (value < 0 || value >= modes.length) {
      throw CriException.invalidArgument(SEC + ".namespace_options." + field + ": unknown namespace mode " + value);
    }
    return modes[value];
  }
}
