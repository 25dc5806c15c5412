package dev.podshim.container;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.cdi.CdiRegistry;
import dev.podshim.cdi.CdiRequests;
import dev.podshim.config.CgroupDriver;
import dev.podshim.errors.Cleanup;
import dev.podshim.errors.CriException;
import dev.podshim.image.ImageConfig;
import dev.podshim.image.ImageInfo;
import dev.podshim.image.ImageService;
import dev.podshim.image.Snapshots;
import dev.podshim.oci.Conmon;
import dev.podshim.oci.ConmonSpec;
import dev.podshim.oci.OciException;
import dev.podshim.oci.OciRuntime;
import dev.podshim.oci.Signals;
import dev.podshim.os.OsException;
import dev.podshim.os.Pidfd;
import dev.podshim.os.ProcStat;
import dev.podshim.sandbox.Clock;
import dev.podshim.sandbox.Namespace;
import dev.podshim.sandbox.PodFiles;
import dev.podshim.sandbox.ReservedDirs;
import dev.podshim.store.Container;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerMetadata;
import dev.podshim.store.ContainerStatus;
import dev.podshim.store.ContainerStore;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.UserNamespace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The steps of CreateContainer and their undo: meta.json first, then the rootfs snapshot, the
 * image volumes it mounts, the bundle, and conmon (which has the runtime create the container).
 * A crash part-way leaves a container whose status is not {@code created}, which recovery tears
 * down with {@link #teardown}.
 */
final class ContainerCreation {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DEFAULT_TERMINATION_PATH = "/dev/termination-log";
  private static final String TERMINATION_ANNOTATION = "io.kubernetes.container.terminationMessagePath";

  /** The machine-facing parts creation needs. */
  record Tools(Conmon conmon, HostFacts host, CgroupDriver cgroupDriver, Path socketDir, ReservedDirs reserved,
      CdiRegistry cdi) {
    Tools {
      requireNonNull(cdi, "cdi");
      requireNonNull(conmon, "conmon");
      requireNonNull(host, "host");
      requireNonNull(cgroupDriver, "cgroupDriver");
      requireNonNull(socketDir, "socketDir");
      requireNonNull(reserved, "reserved");
    }
  }

  private final ContainerStore store;
  private final ImageService images;
  private final Tools tools;
  private final ConmonMonitor monitor;
  private final AttachLinks attachLinks;

  ContainerCreation(ContainerStore store, ImageService images, Tools tools, ConmonMonitor monitor) {
    this.store = requireNonNull(store, "store");
    this.images = requireNonNull(images, "images");
    this.tools = requireNonNull(tools, "tools");
    this.monitor = requireNonNull(monitor, "monitor");
    this.attachLinks = new AttachLinks(tools.socketDir());
  }

  /** At start-up: the links of containers that no longer exist (removed while the daemon was down). */
  int removeStaleAttachLinks(java.util.Set<String> containers) {
    return attachLinks.removeAllBut(containers);
  }

  /** At start-up: the holds on image volumes of containers that no longer exist; returns the volumes unmounted. */
  int releaseStaleImageVolumes(java.util.Set<String> containers) {
    return images.volumes().retainOnly(containers);
  }

  Container create(String id, String name, Sandbox sandbox, ContainerConfig config, OciRuntime runtime,
      @Nullable Path targetPidns) {
    ImageInfo image = images.status(config.image())
        .orElseThrow(() -> CriException.notFound("image " + config.image() + " not found; pull it first"));
    ImageConfig imageConfig = images.config(image.id())
        .orElseThrow(() -> CriException.notFound("image " + config.image() + " not found; pull it first"));
    String logPath = config.logPath().isEmpty() ? ""
        : LogPaths.resolve(sandbox.metadata().config().logDirectory(), config.logPath(), tools.reserved()).toString();
    int stopSignal = stopSignal(config, imageConfig);
    // before anything is made: an unknown CDI device leaves nothing to undo
    List<CdiRegistry.Edit> cdi = tools.cdi().resolve(CdiRequests.of(config.cdiDevices(), config.annotations()));
    ContainerMetadata meta = new ContainerMetadata(id, name, sandbox.id(), config, image.id(),
        image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst(), imageName(config, image),
        Clock.nowNanos(), logPath,
        runtime.handler(), stopSignal, terminationMessagePath(config));
    try (Cleanup cleanup = new Cleanup("create container " + id)) {
      Container container = store.create(meta);
      cleanup.push("remove container directory", () -> store.delete(container));
      container.lifecycle().lock();
      try {
        PodContext pod = podContext(sandbox);
        Path rootfs = images.snapshots().prepare(image.id(), id, podRoot(pod));
        cleanup.push("release rootfs", () -> images.snapshots().release(id));
        makeVolumeDirs(rootfs, imageConfig, config);
        cleanup.push("release image volumes", () -> images.volumes().release(id));
        ContainerConfig mounted = ImageVolumeMounts.resolve(config, images.volumes(), id);
        BuiltSpec built = SpecBuilder.build(new SpecInput(id, mounted, imageConfig, rootfs, pod,
            targetPidns, tools.cgroupDriver(), tools.host(), runtime.handler(), cdi));
        if (pod.userns() != null) {
          IdmappedMounts.apply(built.spec(), container.dir(), pod.userns(), cleanup);
        }
        writeBundle(container, built);
        if (!logPath.isEmpty()) {
          LogPaths.createParents(Path.of(sandbox.metadata().config().logDirectory()), Path.of(logPath));
        }
        Files.createDirectories(tools.socketDir());
        cleanup.push("remove attach socket link", () -> attachLinks.remove(id));
        cleanup.push("delete from " + runtime.handler(), () -> runtime.delete(id));
        Conmon.Created created = tools.conmon().create(new ConmonSpec(id, name, runtime, container.bundle(),
            container.dir(), tools.socketDir(), logPath.isEmpty() ? null : Path.of(logPath), config.stdin(),
            config.stdinOnce(), config.tty()));
        Pidfd pidfd = Pidfd.open(created.conmonPid());
        OptionalLong started = ProcStat.startTime(created.conmonPid());
        monitor.watch(container, pidfd);
        cleanup.push("forget conmon", () -> monitor.forget(container));
        ResolvedUser u = built.user();
        container.updateStatus(s -> s.asCreated(created.conmonPid(), started.orElse(0), created.containerPid(),
            new ContainerStatus.User(u.uid(), u.gid(), u.supplementalGroups())));
        cleanup.commit();
        return container;
      } finally {
        container.lifecycle().unlock();
      }
    } catch (OciException e) {
      throw RuntimeFailures.of("create container " + id, e);
    } catch (IOException | OsException e) {
      throw CriException.internal("create container " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * Releases everything a container holds: runtime state, conmon leftovers, its attach socket
   * link, rootfs, its holds on image volumes, its directory.
   */
  void teardown(Container c, OciRuntime runtime) {
    monitor.forget(c);
    runtime.delete(c.id());
    try {
      attachLinks.remove(c.id());
    } catch (IOException e) {
      throw CriException.internal("remove container " + c.id() + ": attach socket link: " + e.getMessage(), e);
    }
    IdmappedMounts.removeAll(c.dir());
    images.snapshots().release(c.id());
    images.volumes().release(c.id());
    try {
      store.delete(c);
    } catch (CriException e) {
      // conmon may still be writing its exit file into the directory: once more
      store.delete(c);
    }
  }

  /** The container's memory cgroup directory, for OOM accounting; null when unknown. */
  @Nullable Path memoryCgroup(Container c) {
    try {
      JsonNode spec = JSON.readTree(c.bundle().resolve("config.json").toFile());
      String path = dev.podshim.oci.CgroupsPath.relative(spec.path("linux").path("cgroupsPath").asText(""));
      if (path.isEmpty()) {
        return null;
      }
      Path v1 = Path.of("/sys/fs/cgroup/memory").resolve(path.substring(1));
      return Files.isDirectory(Path.of("/sys/fs/cgroup/memory")) ? v1 : Path.of("/sys/fs/cgroup").resolve(path.substring(1));
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * The image as kubectl should show it: the name the pod asked for (kubelet sends the id as the
   * image and the pod's name beside it), else the client's name or, for an id, the image's first
   * tag, as containerd reports it.
   */
  static String imageName(ContainerConfig config, ImageInfo image) {
    if (!config.userSpecifiedImage().isEmpty()) {
      return config.userSpecifiedImage();
    }
    boolean namedById = image.id().equals(config.image()) || image.id().equals("sha256:" + config.image());
    return namedById && !image.repoTags().isEmpty() ? image.repoTags().getFirst() : config.image();
  }

  private static int stopSignal(ContainerConfig config, ImageConfig image) {
    if (!config.stopSignal().isEmpty()) {
      return Signals.parse(config.stopSignal()).orElseThrow(
          () -> CriException.invalidArgument("config.stop_signal: unknown signal " + config.stopSignal()));
    }
    return Signals.parse(image.stopSignal()).orElse(Signals.SIGTERM);
  }

  private static String terminationMessagePath(ContainerConfig config) {
    String inContainer = config.annotations().getOrDefault(TERMINATION_ANNOTATION, DEFAULT_TERMINATION_PATH);
    for (ContainerConfig.Mount m : config.mounts()) {
      if (m.containerPath().equals(inContainer)) {
        return m.hostPath();
      }
    }
    return "";
  }

  /** Who owns the rootfs of a container in the pod's user namespace; null in the node's. */
  private static Snapshots.@Nullable PodRoot podRoot(PodContext pod) {
    UserNamespace userns = pod.userNamespace();
    Path pin = pod.userns();
    if (userns == null || pin == null) {
      return null;
    }
    return new Snapshots.PodRoot(pin, userns.uidMapping().hostId(), userns.gidMapping().hostId());
  }

  /** Image volumes become empty directories in the rootfs, as CRI-O's default "mkdir" mode. */
  private static void makeVolumeDirs(Path rootfs, ImageConfig image, ContainerConfig config) throws IOException {
    for (String volume : image.volumes()) {
      boolean mounted = config.mounts().stream().anyMatch(m -> Path.of(m.containerPath()).normalize()
          .equals(Path.of(volume).normalize()));
      Path inside = rootfs.resolve(Path.of("/").relativize(Path.of("/").resolve(volume).normalize()));
      if (!mounted && inside.startsWith(rootfs) && !Files.exists(inside, LinkOption.NOFOLLOW_LINKS)
          && isInsideRealRootfs(rootfs, inside.getParent())) {
        Files.createDirectories(inside);
      }
    }
  }

  /** Guards against a symlinked parent leading out of the rootfs. */
  private static boolean isInsideRealRootfs(Path rootfs, Path dir) throws IOException {
    Path existing = dir;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing != null && existing.toRealPath().startsWith(rootfs.toRealPath());
  }

  private static void writeBundle(Container container, BuiltSpec built) throws IOException {
    Files.createDirectories(container.bundle());
    Files.write(container.bundle().resolve("config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(built.spec()));
  }

  static PodContext podContext(Sandbox sandbox) {
    SandboxConfig pod = sandbox.metadata().config();
    String hostname;
    try {
      hostname = Files.readString(PodFiles.hostname(sandbox)).trim();
    } catch (IOException e) {
      hostname = pod.hostname();
    }
    String cgroupParent = pod.cgroupParent();
    return new PodContext(sandbox.id(), sandbox.metadata().name(), pod.metadata().name(), pod.metadata().namespace(),
        pod.metadata().uid(), pod.namespaces(),
        PodFiles.namespace(sandbox, Namespace.NET), PodFiles.namespace(sandbox, Namespace.IPC),
        PodFiles.namespace(sandbox, Namespace.UTS), PodFiles.namespace(sandbox, Namespace.PID),
        PodFiles.hosts(sandbox), PodFiles.resolvConf(sandbox), PodFiles.hostname(sandbox), PodFiles.shm(sandbox),
        cgroupParent, hostname, pod.userNamespace(), PodFiles.namespace(sandbox, Namespace.USER));
  }

}
