package dev.podshim.cdi;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One CDI spec file as written (the CDI spec's JSON schema, up to version 1.0.x). Absent lists
 * and maps are empty; absent numbers and strings the spec leaves optional are null or empty.
 */
public record CdiSpec(String cdiVersion, String kind, Map<String, String> annotations, List<Device> devices,
    Edits containerEdits) {
  public CdiSpec {
    cdiVersion = orEmpty(cdiVersion);
    kind = orEmpty(kind);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    devices = devices == null ? List.of() : List.copyOf(devices);
    containerEdits = containerEdits == null ? Edits.NONE : containerEdits;
  }

  /** A device of the spec's kind, requested by its name. */
  public record Device(String name, Map<String, String> annotations, Edits containerEdits) {
    public Device {
      name = orEmpty(name);
      annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
      containerEdits = containerEdits == null ? Edits.NONE : containerEdits;
    }
  }

  /** What a device (or the whole spec, when any of its devices is requested) changes in the container. */
  public record Edits(List<String> env, List<DeviceNode> deviceNodes, List<Hook> hooks, List<Mount> mounts,
      @Nullable IntelRdt intelRdt, List<Long> additionalGids) {
    public static final Edits NONE = new Edits(null, null, null, null, null, null);

    public Edits {
      env = env == null ? List.of() : List.copyOf(env);
      deviceNodes = deviceNodes == null ? List.of() : List.copyOf(deviceNodes);
      hooks = hooks == null ? List.of() : List.copyOf(hooks);
      mounts = mounts == null ? List.of() : List.copyOf(mounts);
      additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
    }

    boolean isEmpty() {
      return env.isEmpty() && deviceNodes.isEmpty() && hooks.isEmpty() && mounts.isEmpty() && intelRdt == null
          && additionalGids.isEmpty();
    }
  }

  /**
   * A device node for the container; type, major and minor are read from {@code hostPath} (or
   * {@code path}) on the host when the spec leaves them out.
   *
   * @param permissions cgroup access, a combination of r, w and m; empty means rwm, "none" nothing
   */
  public record DeviceNode(String path, String hostPath, String type, long major, long minor,
      @Nullable Integer fileMode, String permissions, @Nullable Long uid, @Nullable Long gid) {
    public DeviceNode {
      path = orEmpty(path);
      hostPath = orEmpty(hostPath);
      type = orEmpty(type);
      permissions = orEmpty(permissions);
    }
  }

  /** @param type empty for a bind mount (its options then say bind or rbind) */
  public record Mount(String hostPath, String containerPath, List<String> options, String type) {
    public Mount {
      hostPath = orEmpty(hostPath);
      containerPath = orEmpty(containerPath);
      options = options == null ? List.of() : List.copyOf(options);
      type = orEmpty(type);
    }
  }

  /** @param hookName one of the OCI hooks: prestart, createRuntime, createContainer, startContainer, poststart, poststop */
  public record Hook(String hookName, String path, List<String> args, List<String> env, @Nullable Integer timeout) {
    public Hook {
      hookName = orEmpty(hookName);
      path = orEmpty(path);
      args = args == null ? List.of() : List.copyOf(args);
      env = env == null ? List.of() : List.copyOf(env);
    }
  }

  /** Linux resctrl settings (CDI 0.7.0; enableCMT and enableMBM until 1.0.x). */
  public record IntelRdt(String closID, String l3CacheSchema, String memBwSchema, boolean enableCMT,
      boolean enableMBM) {
    public IntelRdt {
      closID = orEmpty(closID);
      l3CacheSchema = orEmpty(l3CacheSchema);
      memBwSchema = orEmpty(memBwSchema);
    }
  }

  private static String orEmpty(@Nullable String s) {
    return s == null ? "" : s;
  }
}
