package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.cdi.CdiRegistry;
import dev.podshim.cdi.CdiSpec;
import dev.podshim.os.MountInfo;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerConfig.Propagation;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The spec's {@code mounts}: containerd's defaults (/proc, /dev, /sys…), the pod's /dev/shm,
 * /etc/hosts, /etc/resolv.conf and /etc/hostname, then the CRI mounts, shallowest destination
 * first, then the mounts of CDI devices. A mount replaces an earlier one at the same destination;
 * one at /dev also replaces everything under it. A CRI or CDI mount's destination is checked by
 * {@link MountDestinations} where runc will reach it. With CDI mounts, every mount is then ordered
 * shallowest first (stable), as the CDI spec's reference orders them.
 */
final class SpecMounts {
  private static final List<String> BIND_OPTIONS = List.of("rbind", "rprivate");

  /** One OCI mount. */
  record Mount(String destination, String type, String source, List<String> options) {
    Mount {
      options = List.copyOf(options);
    }

    ObjectNode json() {
      ObjectNode m = Json.object().put("destination", destination).put("type", type).put("source", source);
      m.set("options", Json.strings(options));
      return m;
    }
  }

  /** @param rootfsPropagation "rshared" or "rslave" when a CRI mount propagates, else null */
  record Result(List<Mount> mounts, @Nullable String rootfsPropagation) {
    ArrayNode json() {
      ArrayNode array = Json.array();
      mounts.forEach(m -> array.add(m.json()));
      return array;
    }
  }

  private final List<Mount> mounts = new ArrayList<>();
  private final Path rootfs;
  private final Path mountinfo;
  private @Nullable MountInfo table;
  private @Nullable String rootfsPropagation;

  private SpecMounts(Path rootfs, Path mountinfo) {
    this.rootfs = rootfs;
    this.mountinfo = mountinfo;
  }

  static Result build(SpecInput in, Path mountinfo) {
    SpecMounts result = new SpecMounts(in.rootfs(), mountinfo);
    result.defaults(in.config().security().privileged());
    result.podFiles(in.pod(), in.config().security().readonlyRootfs());
    result.criMounts(in.config().mounts());
    result.cdiMounts(in.cdi());
    return new Result(List.copyOf(result.mounts), result.rootfsPropagation);
  }

  private void defaults(boolean privileged) {
    String sysMode = privileged ? "rw" : "ro";
    add(new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
    add(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
    add(new Mount("/dev/pts", "devpts", "devpts",
        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
    add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
    add(new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)));
    add(new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", sysMode)));
  }

  /** The pod's shared /dev/shm (the host's for host IPC) and the files the pod's sandbox wrote. */
  private void podFiles(PodContext pod, boolean readonlyRootfs) {
    Path shm = pod.shm() != null ? pod.shm() : Path.of("/dev/shm");
    add(new Mount("/dev/shm", "bind", shm.toString(), List.of("rbind", "rprivate", "nosuid", "nodev", "noexec", "rw")));
    String mode = readonlyRootfs ? "ro" : "rw";
    add(bind("/etc/hosts", pod.hostsFile(), mode));
    add(bind("/etc/resolv.conf", pod.resolvConf(), mode));
    add(bind("/etc/hostname", pod.hostnameFile(), mode));
  }

  private static Mount bind(String destination, Path source, String mode) {
    List<String> options = new ArrayList<>(BIND_OPTIONS);
    options.add(mode);
    return new Mount(destination, "bind", source.toString(), options);
  }

  private void criMounts(List<ContainerConfig.Mount> requested) {
    record Bind(String field, Mount mount) {}
    List<Bind> binds = new ArrayList<>();
    for (int i = 0; i < requested.size(); i++) {
      String field = "config.mounts[" + i + "]";
      binds.add(new Bind(field, criMount(field, requested.get(i))));
    }
    // containerd's order: fewer path components first, so /a is mounted before /a/b
    binds.sort(Comparator.comparingInt(b -> Path.of(b.mount().destination()).getNameCount()));
    for (Bind b : binds) {
      Mount m = b.mount();
      MountDestinations.check(b.field() + ".container_path", m.destination(), reached(b.field(), m.destination()),
          Path.of(m.source()));
      add(m);
    }
  }

  private void cdiMounts(List<CdiRegistry.Edit> edits) {
    boolean any = false;
    for (CdiRegistry.Edit e : edits) {
      List<CdiSpec.Mount> requested = e.edits().mounts();
      for (int i = 0; i < requested.size(); i++) {
        String field = SpecCdi.where(e, "mounts[" + i + "]");
        CdiSpec.Mount m = requested.get(i);
        String destination = Path.of(Fields.absolute(field + ".containerPath", m.containerPath())).normalize().toString();
        boolean bind = m.options().contains("bind") || m.options().contains("rbind");
        String type = m.type().isEmpty() && bind ? "bind" : m.type();
        if (type.isEmpty()) {
          throw invalid(field + ".type", "is empty and the options say neither bind nor rbind");
        }
        Fields.noNul(field + ".options", m.options());
        String source = bind || type.equals("bind") ? realHostPath(field + ".hostPath", m.hostPath()).toString()
            : Fields.noNul(field + ".hostPath", m.hostPath());
        MountDestinations.check(field + ".containerPath", destination, reached(field, destination), Path.of(source));
        add(new Mount(destination, Fields.noNul(field + ".type", type), source, m.options()));
        any = true;
      }
    }
    if (any) {
      mounts.sort(Comparator.comparingInt(m -> Path.of(m.destination()).getNameCount()));
    }
  }

  /** Where runc's lookup of {@code destination} ends, following symlinks in the rootfs and in the mounts before it. */
  private String reached(String field, String destination) {
    try {
      return RootfsPath.reached(this::hostPath, destination);
    } catch (IOException e) {
      throw invalid(field + ".container_path", "cannot resolve " + quoted(destination) + " in the image: "
          + e.getMessage());
    }
  }

  /** The host path under the deepest mount so far that holds {@code path}; null inside a kernel filesystem. */
  private @Nullable Path hostPath(String path) {
    Mount holder = null;
    for (Mount m : mounts) {
      if (contains(m.destination(), path)
          && (holder == null || m.destination().length() > holder.destination().length())) {
        holder = m;
      }
    }
    if (holder == null) {
      return rootfs.resolve(path.substring(1));
    }
    if (!holder.type().equals("bind")) {
      return null;
    }
    String rest = path.substring(holder.destination().length()).replaceFirst("^/+", "");
    return rest.isEmpty() ? Path.of(holder.source()) : Path.of(holder.source()).resolve(rest);
  }

  private static boolean contains(String dir, String path) {
    return path.equals(dir) || path.startsWith(dir.endsWith("/") ? dir : dir + "/");
  }

  private Mount criMount(String field, ContainerConfig.Mount m) {
    String destination = Path.of(Fields.absolute(field + ".container_path", m.containerPath())).normalize().toString();
    Path source = realHostPath(field + ".host_path", m.hostPath());
    // an image volume comes readonly (the mapper refuses it otherwise). Not noexec: KEP-4639 dropped
    // that default (kubernetes/enhancements#5354, kubernetes#135775) and neither containerd nor
    // CRI-O adds it; a client that wants it sends mount_options noexec, applied below.
    if (m.recursiveReadOnly() && !m.readonly()) {
      throw invalid(field + ".recursive_read_only", "needs readonly to be set too");
    }
    if (m.recursiveReadOnly() && m.propagation() != Propagation.PRIVATE) {
      throw invalid(field + ".recursive_read_only", "needs propagation PRIVATE, not " + m.propagation());
    }
    List<String> options = new ArrayList<>(List.of("rbind"));
    switch (m.propagation()) {
      case PRIVATE -> options.add("rprivate");
      case HOST_TO_CONTAINER -> {
        MountInfo.Mount on = hostMount(source);
        if (!on.shared() && !on.slave()) {
          throw invalid(field + ".propagation", "HOST_TO_CONTAINER needs " + source + " on a shared or slave mount,"
              + " but mount " + on.mountPoint() + " is private");
        }
        options.add("rslave");
        if (rootfsPropagation == null) {
          rootfsPropagation = "rslave";
        }
      }
      case BIDIRECTIONAL -> {
        MountInfo.Mount on = hostMount(source);
        if (!on.shared()) {
          throw invalid(field + ".propagation", "BIDIRECTIONAL needs " + source + " on a shared mount,"
              + " but mount " + on.mountPoint() + " is not shared");
        }
        options.add("rshared");
        rootfsPropagation = "rshared";
      }
    }
    options.add(!m.readonly() ? "rw" : m.recursiveReadOnly() ? "rro" : "ro");
    options.addAll(m.options());
    return new Mount(destination, "bind", source.toString(), options);
  }

  /** The host path with symlinks resolved; it must exist. */
  private static Path realHostPath(String field, String hostPath) {
    Fields.absolute(field, hostPath);
    try {
      return Path.of(hostPath).toRealPath();
    } catch (NoSuchFileException e) {
      throw invalid(field, hostPath + " does not exist");
    } catch (IOException e) {
      throw invalid(field, "cannot resolve " + hostPath + ": " + e);
    }
  }

  private MountInfo.Mount hostMount(Path real) {
    if (table == null) {
      table = MountInfo.read(mountinfo);
    }
    MountInfo.Mount on = table.containing(real);
    if (on == null) {
      throw new IllegalStateException(mountinfo + " lists no mount containing " + real);
    }
    return on;
  }

  /** Appends {@code m}, dropping an earlier mount at the same place (and under it, for /dev). */
  private void add(Mount m) {
    mounts.removeIf(old -> old.destination().equals(m.destination())
        || (m.destination().equals("/dev") && old.destination().startsWith("/dev/")));
    mounts.add(m);
  }
}
