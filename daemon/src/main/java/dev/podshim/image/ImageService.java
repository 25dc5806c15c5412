package dev.podshim.image;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.config.RegistryConfig;
import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's images: pull from registries into the content store, unpack layers, answer status
 * and list queries, remove images and collect what no image (nor container snapshot) uses.
 *
 * <p>Layout under {@code <root>/images}: {@code blobs/sha256/<hex>} (manifests, configs, layer
 * blobs), {@code layers/<chain id hex>/fs} (unpacked, overlayfs-ready), {@code index.json} (the
 * image records), {@code snapshots/<key>} (container rootfs), {@code volumes/<image id hex>} (images
 * mounted read-only as volumes), {@code ingest/} (downloads in progress).
 */
public final class ImageService {
  private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final Manifests.Platform platform;
  private final ContentStore content;
  private final LayerStore layers;
  private final ImageIndex index;
  private final Leases leases = new Leases();
  private final Puller puller;
  private final ImageMetrics metrics;
  private final Snapshots snapshots;
  private final ImageVolumes volumes;
  private final ImageFilesystem filesystem;
  private final Set<String> pinned;
  private final ReentrantLock storeLock = new ReentrantLock();
  private final Singleflight<String, String> pulls = new Singleflight<>();
  private volatile long sizeCachedAt;
  private volatile long sizeCached;

  private ImageService(Path stateRoot, RegistryConfig registry, RegistryClient client, Manifests.Platform platform)
      throws IOException {
    this.dir = stateRoot.resolve("images");
    this.platform = platform;
    Files.createDirectories(dir);
    this.content = new ContentStore(dir);
    this.layers = new LayerStore(dir);
    this.index = new ImageIndex(dir);
    this.metrics = new ImageMetrics(this::storeSizeBytes);
    this.puller = new Puller(client, content, layers, metrics, leases, platform);
    this.snapshots = new Snapshots(dir.resolve("snapshots"), this, storeLock);
    this.volumes = new ImageVolumes(dir.resolve("volumes"), this, storeLock);
    this.filesystem = new ImageFilesystem(dir, Path.of("/proc/self/mountinfo"), layers::recordedDiskUsage);
    Set<String> pins = new HashSet<>();
    for (String p : registry.pinnedImages()) {
      pins.add(normalisePin(p));
    }
    this.pinned = Set.copyOf(pins);
    content.cleanIngest();
    layers.cleanTemporaries();
  }

  /** Opens (creating when new) the image store under {@code <stateRoot>/images}. */
  public static ImageService open(Path stateRoot, RegistryConfig registry) throws IOException {
    requireNonNull(stateRoot, "stateRoot");
    requireNonNull(registry, "registry");
    return new ImageService(stateRoot, registry, new RegistryClient(registry), Manifests.Platform.current());
  }

  private static String normalisePin(String p) {
    if (ImageReference.looksLikeId(p)) {
      return p.startsWith("sha256:") ? p : "sha256:" + p;
    }
    try {
      return ImageReference.parse(p).toString();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("registry.pinned_images: " + e.getMessage(), e);
    }
  }

  public ImageMetrics metrics() {
    return metrics;
  }

  public Snapshots snapshots() {
    return snapshots;
  }

  public ImageVolumes volumes() {
    return volumes;
  }

  public ImageFilesystem filesystem() {
    return filesystem;
  }

  /**
   * Pulls an image and returns its id. A pull of the same reference already under way is
   * joined, not repeated. Errors: NOT_FOUND (no such repository, tag, digest or platform),
   * UNAVAILABLE (registry unreachable), FAILED_PRECONDITION (denied, corrupt or unsafe content).
   */
  public String pull(ImageReference ref, PullAuth auth) {
    requireNonNull(ref, "ref");
    requireNonNull(auth, "auth");
    try {
      return pulls.run(ref.toString(), () -> doPull(ref, auth));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // doPull maps every failure to CriException
    }
  }

  private String doPull(ImageReference ref, PullAuth auth) {
    long begin = System.nanoTime();
    LOG.atInfo().addKeyValue("image", ref).log("pulling image");
    try {
      Puller.Result r = puller.pull(ref, auth);
      ImageRecord record = commit(r.record());
      long took = System.nanoTime() - begin;
      metrics.pulled(took);
      LOG.atInfo().addKeyValue("image", ref).addKeyValue("image_id", record.id())
          .addKeyValue("bytes", r.bytesDownloaded()).addKeyValue("layers_reused", r.layersReused())
          .addKeyValue("duration_ms", took / 1_000_000).log("pulled image");
      return record.id();
    } catch (IOException | RuntimeException e) {
      ImageMetrics.FailureReason reason = reason(e);
      metrics.failed(System.nanoTime() - begin, reason);
      CriException failure = toCri(ref, e, reason);
      LOG.atWarn().addKeyValue("image", ref).addKeyValue("reason", reason.tag()).log("pull failed: {}", failure.getMessage());
      throw failure;
    }
  }

  private static ImageMetrics.FailureReason reason(Throwable e) {
    return switch (e) {
      case RegistryException r -> switch (r.reason()) {
        case AUTH -> ImageMetrics.FailureReason.AUTH;
        case NOT_FOUND -> ImageMetrics.FailureReason.NOT_FOUND;
        case NETWORK -> ImageMetrics.FailureReason.NETWORK;
        case OTHER -> ImageMetrics.FailureReason.OTHER;
      };
      case DigestMismatchException d -> ImageMetrics.FailureReason.DIGEST_MISMATCH;
      default -> ImageMetrics.FailureReason.OTHER;
    };
  }

  private static CriException toCri(ImageReference ref, Throwable e, ImageMetrics.FailureReason reason) {
    if (e instanceof CriException c) {
      return c;
    }
    String message = "pull image " + ref + ": " + e.getMessage();
    CriException.Kind kind = switch (reason) {
      case NOT_FOUND -> CriException.Kind.NOT_FOUND;
      case NETWORK -> CriException.Kind.UNAVAILABLE;
      case AUTH, DIGEST_MISMATCH -> CriException.Kind.FAILED_PRECONDITION;
      case OTHER -> e instanceof BadLayerException || e instanceof RegistryException
          ? CriException.Kind.FAILED_PRECONDITION : CriException.Kind.INTERNAL;
    };
    return new CriException(kind, message, e);
  }

  /** Records a pulled or imported image: its tags move to it from any image that had them. */
  ImageRecord commit(ImageRecord pulled) {
    storeLock.lock();
    try {
      boolean[] dropped = {false};
      Map<String, ImageRecord> after = index.update(m -> {
        for (String tag : pulled.repoTags()) {
          for (ImageRecord other : List.copyOf(m.values())) {
            if (!other.id().equals(pulled.id()) && other.repoTags().contains(tag)) {
              ImageRecord untagged = other.withoutTag(tag);
              if (untagged.repoTags().isEmpty() && untagged.repoDigests().isEmpty()) {
                m.remove(other.id());
                dropped[0] = true;
              } else {
                m.put(other.id(), untagged);
              }
            }
          }
        }
        ImageRecord existing = m.get(pulled.id());
        m.put(pulled.id(), existing == null ? pulled : existing.merge(pulled));
        return m;
      });
      if (dropped[0]) {
        collectGarbage();
      }
      sizeCachedAt = 0;
      return after.get(pulled.id());
    } finally {
      storeLock.unlock();
    }
  }

  /**
   * Imports an OCI image layout archive or a docker save archive (plain or gzip); returns each
   * image's names and id. Errors are CriExceptions like a pull's.
   */
  public List<String> importArchive(Path archive) {
    try {
      List<String> out = new ArrayList<>();
      for (ArchiveImporter.Imported i : new ArchiveImporter(this, platform).importArchive(archive)) {
        LOG.atInfo().addKeyValue("archive", archive).addKeyValue("image_id", i.id()).addKeyValue("names", i.names())
            .log("imported image");
        out.add(i.id() + (i.names().isEmpty() ? "" : " " + String.join(" ", i.names())));
      }
      return out;
    } catch (java.nio.file.NoSuchFileException e) {
      throw CriException.notFound("import " + archive + ": no such file");
    } catch (BadLayerException | DigestMismatchException e) {
      throw new CriException(CriException.Kind.FAILED_PRECONDITION, "import " + archive + ": " + e.getMessage(), e);
    } catch (IOException | IllegalArgumentException e) {
      throw new CriException(CriException.Kind.INVALID_ARGUMENT, "import " + archive + ": " + e.getMessage(), e);
    }
  }

  /** The image a reference names: an id (full or a unique prefix), name:tag, or name@digest. */
  public Optional<ImageInfo> status(String reference) {
    return find(index.all(), reference).map(this::info);
  }

  /** Verbose status details: the image config and how the image is stored, as JSON. */
  public Optional<String> verboseInfo(String reference) {
    return find(index.all(), reference).map(r -> {
      ObjectNode info = JSON.createObjectNode();
      try {
        Digest id = Digest.parse(r.id());
        if (content.has(id)) {
          info.set("imageSpec", JSON.readTree(content.read(id)));
        }
      } catch (IOException e) {
        info.put("imageSpecError", e.getMessage());
      }
      info.putPOJO("manifests", r.manifests());
      info.putPOJO("chainIDs", r.layers().stream().map(ImageRecord.Layer::chainId).toList());
      info.putPOJO("layers", r.layers());
      return info.toString();
    });
  }

  /**
   * The run-time config of the image a reference names (entrypoint, cmd, env, user…), for
   * CreateContainer; empty when the image is unknown. INTERNAL when its config blob is unreadable.
   */
  public Optional<ImageConfig> config(String reference) {
    return find(index.all(), reference).map(r -> {
      try {
        return ImageConfigs.parse(r.id(), content.read(Digest.parse(r.id())));
      } catch (IOException e) {
        throw CriException.internal("read config of image " + r.id() + ": " + e.getMessage(), e);
      }
    });
  }

  /** Images, all or only the one {@code filter} names. */
  public List<ImageInfo> list(String filter) {
    Map<String, ImageRecord> all = index.all();
    if (!filter.isBlank()) {
      return find(all, filter).map(this::info).map(List::of).orElse(List.of());
    }
    return all.values().stream().sorted(java.util.Comparator.comparing(ImageRecord::id)).map(this::info).toList();
  }

  /** The image's chain ids, bottom first, for snapshots; empty when the image is unknown. */
  Optional<List<Digest>> chainIds(String reference) {
    return find(index.all(), reference).map(r -> r.layers().stream().map(l -> Digest.parse(l.chainId())).toList());
  }

  Path layerPath(Digest chainId) {
    return layers.fs(chainId);
  }

  boolean hasLayer(Digest chainId) {
    return layers.has(chainId);
  }

  /**
   * The unpacked layers of {@code chain} (bottom first) as overlayfs stacks them, topmost first.
   * FAILED_PRECONDITION when one is not unpacked.
   */
  List<Path> lowersTopFirst(String imageId, List<Digest> chain) {
    List<Path> lowers = new ArrayList<>();
    for (int i = chain.size() - 1; i >= 0; i--) {
      if (!layers.has(chain.get(i))) {
        throw new CriException(CriException.Kind.FAILED_PRECONDITION, "image " + imageId + ": layer " + chain.get(i)
            + " is not unpacked; pull the image again");
      }
      lowers.add(layers.fs(chain.get(i)));
    }
    return lowers;
  }

  /**
   * Removes an image. By name:tag only that tag goes while the image has others; by id or
   * digest (or its last tag) the image goes, and content nothing else uses is deleted. A missing
   * image is not an error. A pinned image, or one a container mounts as a volume, is refused
   * with FAILED_PRECONDITION.
   */
  public void remove(String reference) {
    storeLock.lock();
    try {
      boolean[] removed = {false};
      index.update(m -> {
        Optional<ImageRecord> found = find(m, reference);
        if (found.isEmpty()) {
          return m;
        }
        ImageRecord r = found.get();
        String tag = tagOf(reference);
        if (tag != null && r.repoTags().contains(tag) && r.repoTags().size() > 1) {
          if (pinned.contains(tag)) {
            throw new CriException(CriException.Kind.FAILED_PRECONDITION, "remove image " + tag + ": pinned by registry.pinned_images");
          }
          m.put(r.id(), r.withoutTag(tag));
          return m;
        }
        if (isPinned(r)) {
          throw new CriException(CriException.Kind.FAILED_PRECONDITION, "remove image " + reference + " (" + r.id()
              + "): pinned by registry.pinned_images");
        }
        Set<String> holders = volumes.holdersOf(r.id());
        if (!holders.isEmpty()) {
          throw new CriException(CriException.Kind.FAILED_PRECONDITION, "remove image " + reference + " (" + r.id()
              + "): mounted as a volume by container " + String.join(", ", holders));
        }
        m.remove(r.id());
        removed[0] = true;
        return m;
      });
      if (removed[0]) {
        LOG.atInfo().addKeyValue("image", reference).log("removed image");
        collectGarbage();
      }
      sizeCachedAt = 0;
    } finally {
      storeLock.unlock();
    }
  }

  private static @Nullable String tagOf(String reference) {
    if (ImageReference.looksLikeId(reference)) {
      return null;
    }
    try {
      return ImageReference.parse(reference).repoTag();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Deletes blobs and unpacked layers no image, snapshot or pull in progress references. */
  void collectGarbage() {
    storeLock.lock();
    try {
      Set<String> live = new HashSet<>();
      for (ImageRecord r : index.all().values()) {
        live.add(r.id());
        live.addAll(r.manifests());
        for (ImageRecord.Layer l : r.layers()) {
          live.add(l.digest());
          live.add("chain:" + l.chainId());
        }
      }
      Set<Digest> mounted = new HashSet<>(snapshots.chainIdsInUse());
      mounted.addAll(volumes.chainIdsInUse());
      for (Digest chain : mounted) {
        live.add("chain:" + chain);
      }
      int blobs = 0;
      int unpacked = 0;
      for (Digest d : content.list()) {
        if (!live.contains(d.toString()) && !leases.isHeld(d.toString())) {
          content.delete(d);
          blobs++;
        }
      }
      for (Digest chain : layers.list()) {
        String key = "chain:" + chain;
        if (!live.contains(key) && !leases.isHeld(key)) {
          layers.delete(chain);
          unpacked++;
        }
      }
      if (blobs + unpacked > 0) {
        LOG.atInfo().addKeyValue("blobs", blobs).addKeyValue("layers", unpacked).log("collected unused image content");
      }
    } catch (IOException e) {
      LOG.atWarn().setCause(e).log("image garbage collection failed: {}", e.getMessage());
    } finally {
      storeLock.unlock();
    }
  }

  private boolean isPinned(ImageRecord r) {
    if (pinned.isEmpty()) {
      return false;
    }
    return pinned.contains(r.id()) || r.repoTags().stream().anyMatch(pinned::contains)
        || r.repoDigests().stream().anyMatch(pinned::contains);
  }

  private ImageInfo info(ImageRecord r) {
    Long uid = null;
    String username = "";
    String user = r.user().split(":", 2)[0];
    if (!user.isEmpty()) {
      try {
        uid = Long.parseLong(user);
      } catch (NumberFormatException e) {
        username = user;
      }
    }
    return new ImageInfo(r.id(), r.repoTags(), r.repoDigests(), r.size(), uid, username, isPinned(r));
  }

  static Optional<ImageRecord> find(Map<String, ImageRecord> all, String reference) {
    String s = reference.strip();
    if (s.isEmpty()) {
      return Optional.empty();
    }
    if (ImageReference.looksLikeId(s)) {
      ImageRecord r = all.get(s.startsWith("sha256:") ? s : "sha256:" + s);
      if (r != null) {
        return Optional.of(r);
      }
    }
    try {
      ImageReference ref = ImageReference.parse(s);
      if (ref.digest() != null) {
        String repoDigest = ref.repoDigest(ref.digest());
        for (ImageRecord r : all.values()) {
          if (r.repoDigests().contains(repoDigest)) {
            return Optional.of(r);
          }
        }
        // the platform manifest's digest under a name the image is known by
        for (ImageRecord r : all.values()) {
          if (r.manifests().contains(ref.digest().toString()) && knownAs(r, ref.name())) {
            return Optional.of(r);
          }
        }
      } else {
        for (ImageRecord r : all.values()) {
          if (r.repoTags().contains(ref.repoTag())) {
            return Optional.of(r);
          }
        }
      }
    } catch (IllegalArgumentException e) {
      // not a reference; maybe an id prefix
    }
    String hex = s.startsWith("sha256:") ? s.substring(7) : s;
    if (hex.matches("[a-f0-9]{6,63}")) {
      List<ImageRecord> matches = new ArrayList<>();
      for (ImageRecord r : all.values()) {
        if (r.id().startsWith("sha256:" + hex)) {
          matches.add(r);
        }
      }
      if (matches.size() == 1) {
        return Optional.of(matches.getFirst());
      }
    }
    return Optional.empty();
  }

  private static boolean knownAs(ImageRecord r, String name) {
    return r.repoTags().stream().anyMatch(t -> t.startsWith(name + ":"))
        || r.repoDigests().stream().anyMatch(d -> d.startsWith(name + "@"));
  }

  /**
   * What the store occupies on disk, the figure ImageFsInfo gives kubelet; recomputed at most
   * every 10 s (it is a scrape-time gauge) or after the store changed.
   */
  long storeSizeBytes() {
    long now = System.nanoTime();
    if (sizeCachedAt != 0 && now - sizeCachedAt < 10_000_000_000L) {
      return sizeCached;
    }
    try {
      sizeCached = filesystem.usage().usedBytes();
    } catch (java.io.UncheckedIOException e) {
      LOG.atDebug().log("measure image store: {}", e.getMessage());
    }
    sizeCachedAt = now == 0 ? 1 : now;
    return sizeCached;
  }

  ContentStore content() {
    return content;
  }

  LayerStore layers() {
    return layers;
  }

  Leases leases() {
    return leases;
  }

  Path dir() {
    return dir;
  }

  Map<String, ImageRecord> records() {
    return new LinkedHashMap<>(index.all());
  }
}
