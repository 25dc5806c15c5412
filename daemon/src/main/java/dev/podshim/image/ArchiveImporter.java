package dev.podshim.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Imports image archives into the store, for nodes without a registry: an OCI image layout in a
 * tar ({@code oci-layout}, {@code index.json}, {@code blobs/}) as skopeo, buildah and
 * {@code ctr export} write it, or a {@code docker save} archive ({@code manifest.json}). Plain
 * or gzip-compressed. Every blob is verified against its digest, as for pulls.
 */
final class ArchiveImporter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTAINERD_NAME = "io.containerd.image.name";
  private static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

  private final ImageService images;
  private final Manifests.Platform platform;

  /** One imported image: the names it got and its id. */
  record Imported(List<String> names, String id) {}

  ArchiveImporter(ImageService images, Manifests.Platform platform) {
    this.images = images;
    this.platform = platform;
  }

  List<Imported> importArchive(Path archive) throws IOException {
    Path work = images.dir().resolve("ingest").resolve(Temporaries.name("import"));
    Files.createDirectories(work);
    try {
      Map<String, String> links = extract(archive, work);
      if (Files.isRegularFile(work.resolve("oci-layout")) && Files.isRegularFile(work.resolve("index.json"))) {
        return importLayout(work, links);
      }
      if (Files.isRegularFile(work.resolve("manifest.json"))) {
        return importDockerSave(work, links);
      }
      throw new BadLayerException(archive + ": neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)");
    } finally {
      LayerUnpacker.deleteTree(work);
    }
  }

  /** Writes the archive's regular files under {@code work}; returns its symlinks (path → target path). */
  private static Map<String, String> extract(Path archive, Path work) throws IOException {
    Map<String, String> links = new HashMap<>();
    try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 256 * 1024);
         InputStream in = LayerStore.decompress(raw)) {
      TarReader tar = new TarReader(in);
      for (TarEntry e = tar.next(); e != null; e = tar.next()) {
        List<String> parts = LayerUnpacker.clean(e.name());
        if (parts.isEmpty()) {
          continue;
        }
        String rel = String.join("/", parts);
        if (e.type() == TarEntry.SYMLINK || e.type() == TarEntry.HARDLINK) {
          List<String> target = e.type() == TarEntry.HARDLINK ? LayerUnpacker.clean(e.linkName())
              : LayerUnpacker.clean(String.join("/", parts.subList(0, parts.size() - 1)) + "/" + e.linkName());
          links.put(rel, String.join("/", target));
        } else if (e.isFile()) {
          Path target = work.resolve(rel);
          Files.createDirectories(target.getParent());
          try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            tar.content().transferTo(out);
          }
        }
      }
    }
    return links;
  }

  private static Path file(Path work, Map<String, String> links, String rel) throws IOException {
    String r = String.join("/", LayerUnpacker.clean(rel));
    for (int i = 0; i < 16 && links.containsKey(r); i++) {
      r = links.get(r);
    }
    Path p = work.resolve(r);
    if (!Files.isRegularFile(p)) {
      throw new BadLayerException("archive has no file " + rel);
    }
    return p;
  }

  private List<Imported> importLayout(Path work, Map<String, String> links) throws IOException {
    JsonNode index = JSON.readTree(file(work, links, "index.json").toFile());
    List<Imported> out = new ArrayList<>();
    for (JsonNode m : index.path("manifests")) {
      Manifests.Descriptor d = Manifests.descriptor(m);
      String name = nameOf(d);
      byte[] top = blob(work, links, d.digest());
      Manifests.Parsed parsed = Manifests.parse(top, d.mediaType());
      Map<Digest, byte[]> manifests = new java.util.LinkedHashMap<>();
      manifests.put(d.digest(), top);
      if (parsed instanceof Manifests.Index idx) {
        Manifests.Descriptor pick = platform.pick(idx.manifests());
        if (pick == null) {
          throw new BadLayerException("index " + d.digest() + " has no image for " + platform);
        }
        byte[] child = blob(work, links, pick.digest());
        manifests.put(pick.digest(), child);
        parsed = Manifests.parse(child, pick.mediaType());
      }
      if (!(parsed instanceof Manifests.Manifest manifest)) {
        throw new BadLayerException("manifest " + d.digest() + ": nested index is not supported");
      }
      List<String> tags = new ArrayList<>();
      List<String> digests = new ArrayList<>();
      if (name != null) {
        ImageReference ref = ImageReference.parse(name);
        if (ref.tag() != null) {
          tags.add(ref.repoTag());
        }
        digests.add(ref.repoDigest(d.digest()));
      }
      out.add(storeLayout(work, links, manifest, manifests, tags, digests));
    }
    return out;
  }

  /** The image name an index entry carries, when it is a full reference. */
  private static @Nullable String nameOf(Manifests.Descriptor d) {
    String name = d.annotations().get(CONTAINERD_NAME);
    if (name == null) {
      String ref = d.annotations().get(OCI_REF_NAME);
      // a bare tag ("latest") names no repository; skopeo and buildah write name:tag
      if (ref != null && (ref.contains("/") || ref.contains(":"))) {
        name = ref;
      }
    }
    if (name == null) {
      return null;
    }
    try {
      return ImageReference.parse(name).toString();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private List<Imported> importDockerSave(Path work, Map<String, String> links) throws IOException {
    JsonNode entries = JSON.readTree(file(work, links, "manifest.json").toFile());
    List<Imported> out = new ArrayList<>();
    for (JsonNode e : entries) {
      Path config = file(work, links, e.path("Config").asText(""));
      Digest configDigest = digestOf(config);
      ObjectNode manifest = JSON.createObjectNode();
      manifest.put("schemaVersion", 2);
      manifest.put("mediaType", Manifests.DOCKER_MANIFEST);
      ObjectNode c = manifest.putObject("config");
      c.put("mediaType", Manifests.DOCKER_CONFIG);
      c.put("size", Files.size(config));
      c.put("digest", configDigest.toString());
      ArrayNode layers = manifest.putArray("layers");
      Map<Digest, Path> layerFiles = new HashMap<>();
      for (JsonNode l : e.path("Layers")) {
        Path layer = file(work, links, l.asText(""));
        Digest digest = digestOf(layer);
        layerFiles.put(digest, layer);
        ObjectNode ld = layers.addObject();
        ld.put("mediaType", Manifests.DOCKER_LAYER);
        ld.put("size", Files.size(layer));
        ld.put("digest", digest.toString());
      }
      byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
      Map<Digest, Path> blobs = new HashMap<>(layerFiles);
      blobs.put(configDigest, config);
      List<String> tags = new ArrayList<>();
      for (JsonNode t : e.path("RepoTags")) {
        tags.add(ImageReference.parse(t.asText()).toString());
      }
      Map<Digest, byte[]> manifests = Map.of(Digest.sha256(manifestBytes), manifestBytes);
      out.add(store(blobs, (Manifests.Manifest) Manifests.parse(manifestBytes, null), manifests, tags, List.of()));
    }
    return out;
  }

  private Imported storeLayout(Path work, Map<String, String> links, Manifests.Manifest manifest, Map<Digest, byte[]> manifests,
      List<String> tags, List<String> digests) throws IOException {
    Map<Digest, Path> blobs = new HashMap<>();
    blobs.put(manifest.config().digest(), file(work, links, "blobs/" + manifest.config().digest().algorithm() + "/"
        + manifest.config().digest().hex()));
    for (Manifests.Descriptor l : manifest.layers()) {
      blobs.put(l.digest(), file(work, links, "blobs/" + l.digest().algorithm() + "/" + l.digest().hex()));
    }
    return store(blobs, manifest, manifests, tags, digests);
  }

  private Imported store(Map<Digest, Path> files, Manifests.Manifest manifest, Map<Digest, byte[]> manifests,
      List<String> tags, List<String> digests) throws IOException {
    ContentStore content = images.content();
    LayerStore layers = images.layers();
    List<String> leased = new ArrayList<>();
    files.keySet().forEach(d -> leased.add(d.toString()));
    manifests.keySet().forEach(d -> leased.add(d.toString()));
    try (Leases.Lease lease = images.leases().acquire(leased)) {
      Manifests.Descriptor configDesc = manifest.config();
      put(content, configDesc.digest(), configDesc.size(), files.get(configDesc.digest()));
      Manifests.Config config = Manifests.config(content.read(configDesc.digest()));
      if (config.diffIds().size() != manifest.layers().size()) {
        throw new BadLayerException("image config lists " + config.diffIds().size() + " diff ids for "
            + manifest.layers().size() + " layers");
      }
      List<Digest> chainIds = LayerStore.chainIds(config.diffIds());
      try (Leases.Lease chains = images.leases().acquire(chainIds.stream().map(c -> "chain:" + c).toList())) {
        long size = configDesc.size();
        List<ImageRecord.Layer> records = new ArrayList<>();
        for (int i = 0; i < manifest.layers().size(); i++) {
          Manifests.Descriptor l = manifest.layers().get(i);
          Path blob = put(content, l.digest(), l.size(), files.get(l.digest()));
          try {
            layers.unpack(chainIds.get(i), config.diffIds().get(i), blob);
          } catch (BadLayerException e) {
            throw new BadLayerException("layer " + l.digest() + ": " + e.getMessage(), e);
          }
          size += l.size();
          records.add(new ImageRecord.Layer(l.digest().toString(), l.mediaType(), l.size(),
              config.diffIds().get(i).toString(), chainIds.get(i).toString()));
        }
        for (Map.Entry<Digest, byte[]> m : manifests.entrySet()) {
          content.put(m.getKey(), m.getValue());
          size += m.getValue().length;
        }
        ImageRecord record = new ImageRecord(configDesc.digest().toString(), tags, digests, size,
            manifests.keySet().stream().map(Digest::toString).toList(), records, config.user());
        images.commit(record);
        List<String> names = new ArrayList<>(tags);
        names.addAll(digests);
        return new Imported(names, record.id());
      }
    }
  }

  private static Path put(ContentStore content, Digest digest, long size, @Nullable Path file) throws IOException {
    if (content.has(digest)) {
      return content.path(digest);
    }
    if (file == null) {
      throw new BadLayerException("archive has no blob " + digest);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return content.write(digest, size, in, n -> { });
    }
  }

  private byte[] blob(Path work, Map<String, String> links, Digest d) throws IOException {
    byte[] bytes = Files.readAllBytes(file(work, links, "blobs/" + d.algorithm() + "/" + d.hex()));
    Digest actual = Digest.of(d.algorithm(), d.newHasher().digest(bytes));
    if (!actual.equals(d)) {
      throw new DigestMismatchException("blob " + d + ": content has digest " + actual);
    }
    return bytes;
  }

  private static Digest digestOf(Path file) throws IOException {
    MessageDigest h = Digest.newSha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), h)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return Digest.of("sha256", h.digest());
  }
}
