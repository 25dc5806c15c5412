package dev.podshim.store;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What CreateContainer asked for, in the domain's terms (the api package maps the protobuf to
 * this). Persisted in the container's {@code meta.json}; never changes after creation, except
 * that UpdateContainerResources records new resources in the status.
 *
 * @param image the image as the client named it (id, name:tag or name@digest); kubelet sends the id
 * @param userSpecifiedImage the image as the pod spec names it, when the client says (kubelet does);
 *     empty in state written before it was kept
 * @param envs in the order given; a later entry wins over an earlier one and over the image's
 * @param logPath relative to the sandbox's log directory; empty for no log
 * @param stopSignal signal name from the config (e.g. "SIGTERM"); empty means the image's, then SIGTERM
 * @param cdiDevices the qualified CDI device names of CDI_devices, in order (the {@code cdi.k8s.io/}
 *     annotations, the other way to ask for them, are among the annotations)
 */
public record ContainerConfig(
    String name,
    int attempt,
    String image,
    String userSpecifiedImage,
    List<String> command,
    List<String> args,
    String workingDir,
    List<Env> envs,
    List<Mount> mounts,
    List<Device> devices,
    Map<String, String> labels,
    Map<String, String> annotations,
    String logPath,
    boolean stdin,
    boolean stdinOnce,
    boolean tty,
    Resources resources,
    Security security,
    String stopSignal,
    List<String> cdiDevices) {

  public ContainerConfig {
    requireNonNull(name, "name");
    requireNonNull(image, "image");
    userSpecifiedImage = userSpecifiedImage == null ? "" : userSpecifiedImage;
    command = List.copyOf(command);
    args = List.copyOf(args);
    requireNonNull(workingDir, "workingDir");
    envs = List.copyOf(envs);
    mounts = List.copyOf(mounts);
    devices = List.copyOf(devices);
    labels = sorted(labels);
    annotations = sorted(annotations);
    requireNonNull(logPath, "logPath");
    requireNonNull(resources, "resources");
    requireNonNull(security, "security");
    requireNonNull(stopSignal, "stopSignal");
    cdiDevices = cdiDevices == null ? List.of() : List.copyOf(cdiDevices); // absent in state written before them
  }

  /** No CDI devices. */
  public ContainerConfig(String name, int attempt, String image, String userSpecifiedImage, List<String> command,
      List<String> args, String workingDir, List<Env> envs, List<Mount> mounts, List<Device> devices,
      Map<String, String> labels, Map<String, String> annotations, String logPath, boolean stdin, boolean stdinOnce,
      boolean tty, Resources resources, Security security, String stopSignal) {
    this(name, attempt, image, userSpecifiedImage, command, args, workingDir, envs, mounts, devices, labels,
        annotations, logPath, stdin, stdinOnce, tty, resources, security, stopSignal, List.of());
  }

  /** The same config with other mounts (image volumes resolved to where they are mounted). */
  public ContainerConfig withMounts(List<Mount> newMounts) {
    return new ContainerConfig(name, attempt, image, userSpecifiedImage, command, args, workingDir, envs, newMounts,
        devices, labels, annotations, logPath, stdin, stdinOnce, tty, resources, security, stopSignal);
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map));
  }

  public record Env(String key, String value) {
    public Env {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }
  }

  /** CRI MountPropagation, same order as the protocol's enum. */
  public enum Propagation {
    PRIVATE,
    HOST_TO_CONTAINER,
    BIDIRECTIONAL
  }

  /**
   * A bind mount of a host path, or (image non-empty) of an image mounted read-only as a volume.
   *
   * @param hostPath as the client gave it; resolved (symlinks followed) at create time; empty for an image volume
   * @param options the client's extra bind options, each one of {@link #MOUNT_OPTIONS}
   * @param image an image volume: the image as the client named it (kubelet sends its id); empty otherwise
   * @param imageSubPath the directory or file of the image to mount, relative to its root; empty for all of it
   */
  public record Mount(String containerPath, String hostPath, boolean readonly, boolean recursiveReadOnly,
      Propagation propagation, List<String> options, String image, String imageSubPath) {
    /** The bind options a client may add (CRI Mount.mount_options), as containerd and CRI-O take them. */
    public static final java.util.Set<String> MOUNT_OPTIONS = java.util.Set.of("noexec", "nosuid", "nodev");

    public Mount {
      requireNonNull(containerPath, "containerPath");
      requireNonNull(hostPath, "hostPath");
      requireNonNull(propagation, "propagation");
      options = options == null ? List.of() : List.copyOf(options); // absent in state written before them
      image = image == null ? "" : image;
      imageSubPath = imageSubPath == null ? "" : imageSubPath;
    }

    public Mount(String containerPath, String hostPath, boolean readonly, boolean recursiveReadOnly,
        Propagation propagation, List<String> options) {
      this(containerPath, hostPath, readonly, recursiveReadOnly, propagation, options, "", "");
    }

    public Mount(String containerPath, String hostPath, boolean readonly, boolean recursiveReadOnly,
        Propagation propagation) {
      this(containerPath, hostPath, readonly, recursiveReadOnly, propagation, List.of());
    }

    /** Whether this mounts an image rather than a host path. */
    public boolean mountsImage() {
      return !image.isEmpty();
    }

    /** The same mount with its source resolved to {@code source} on the host (an image volume's path). */
    public Mount withHostPath(String source) {
      return new Mount(containerPath, source, readonly, recursiveReadOnly, propagation, options, image, imageSubPath);
    }
  }

  /** @param permissions cgroup device permissions, a combination of r, w and m */
  public record Device(String containerPath, String hostPath, String permissions) {
    public Device {
      requireNonNull(containerPath, "containerPath");
      requireNonNull(hostPath, "hostPath");
      requireNonNull(permissions, "permissions");
    }
  }

  /**
   * Linux resources; zero (or empty) means unset, as in the CRI.
   *
   * @param hugepages page size ("2MB", "1GB") to limit in bytes
   * @param unified cgroup v2 files to write, name to value
   */
  public record Resources(long cpuPeriod, long cpuQuota, long cpuShares, long memoryLimitBytes, long oomScoreAdj,
      String cpusetCpus, String cpusetMems, Map<String, Long> hugepages, Map<String, String> unified,
      long memorySwapLimitBytes) {
    public Resources {
      requireNonNull(cpusetCpus, "cpusetCpus");
      requireNonNull(cpusetMems, "cpusetMems");
      hugepages = Collections.unmodifiableMap(new TreeMap<>(hugepages));
      unified = sorted(unified);
    }

    public static Resources none() {
      return new Resources(0, 0, 0, 0, 0, "", "", Map.of(), Map.of(), 0);
    }
  }

  /** CRI SecurityProfile: RuntimeDefault, Unconfined, or Localhost with a reference. */
  public record Profile(ProfileType type, String localhostRef) {
    public Profile {
      requireNonNull(type, "type");
      requireNonNull(localhostRef, "localhostRef");
    }

    public static Profile runtimeDefault() {
      return new Profile(ProfileType.RUNTIME_DEFAULT, "");
    }
  }

  public enum ProfileType {
    RUNTIME_DEFAULT,
    UNCONFINED,
    LOCALHOST
  }

  public enum GroupsPolicy {
    MERGE,
    STRICT
  }

  /**
   * The container's security context.
   *
   * @param runAsUser null when not set (the image's user applies)
   * @param runAsGroup null when not set
   * @param maskedPaths empty means the runtime's defaults
   * @param readonlyPaths empty means the runtime's defaults
   * @param apparmor null when not asked for
   * @param userNamespace null when not asked for (the pod's applies)
   */
  public record Security(
      List<String> addCapabilities,
      List<String> dropCapabilities,
      List<String> addAmbientCapabilities,
      boolean privileged,
      SandboxConfig.NamespaceModes namespaces,
      @Nullable Long runAsUser,
      @Nullable Long runAsGroup,
      String runAsUsername,
      boolean readonlyRootfs,
      List<Long> supplementalGroups,
      GroupsPolicy groupsPolicy,
      boolean noNewPrivs,
      List<String> maskedPaths,
      List<String> readonlyPaths,
      Profile seccomp,
      @Nullable Profile apparmor,
      @Nullable UserNamespace userNamespace) {
    public Security {
      addCapabilities = List.copyOf(addCapabilities);
      dropCapabilities = List.copyOf(dropCapabilities);
      addAmbientCapabilities = List.copyOf(addAmbientCapabilities);
      requireNonNull(namespaces, "namespaces");
      requireNonNull(runAsUsername, "runAsUsername");
      supplementalGroups = List.copyOf(supplementalGroups);
      requireNonNull(groupsPolicy, "groupsPolicy");
      maskedPaths = List.copyOf(maskedPaths);
      readonlyPaths = List.copyOf(readonlyPaths);
      requireNonNull(seccomp, "seccomp");
    }
  }
}
