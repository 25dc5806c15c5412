package dev.podshim.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The manifest formats a pull meets, parsed just enough: OCI image index and Docker manifest
 * list (pick a platform), OCI image manifest and Docker v2 schema 2 manifest (config + layers),
 * and the image config (diff ids, user).
 */
final class Manifests {
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
  static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
  static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
  static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";

  /** What a registry is asked to return, most wanted first. */
  static final String ACCEPT = String.join(", ", OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private Manifests() {}

  /** A content descriptor; platform fields are empty when absent. */
  record Descriptor(String mediaType, Digest digest, long size, String os, String architecture, String variant,
      Map<String, String> annotations) {}

  sealed interface Parsed permits Index, Manifest {}

  record Index(List<Descriptor> manifests) implements Parsed {}

  record Manifest(String mediaType, Descriptor config, List<Descriptor> layers) implements Parsed {}

  /** The image config's parts a runtime needs; {@code json} is the whole config. */
  record Config(List<Digest> diffIds, String user, String os, String architecture, String json) {}

  static Parsed parse(byte[] bytes, @Nullable String contentType) throws IOException {
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new IOException("manifest of " + bytes.length + " bytes is too large");
    }
    JsonNode root = JSON.readTree(bytes);
    if (root == null || !root.isObject()) {
      throw new IOException("manifest is not a JSON object");
    }
    String type = root.path("mediaType").asText("");
    if (type.isEmpty() && contentType != null) {
      type = contentType.split(";")[0].trim();
    }
    if (root.path("schemaVersion").asInt(0) == 1 || type.startsWith("application/vnd.docker.distribution.manifest.v1")) {
      throw new IOException("Docker image manifest schema 1 is not supported (deprecated; push the image with a current client)");
    }
    boolean index = type.equals(OCI_INDEX) || type.equals(DOCKER_LIST)
        || (!type.equals(OCI_MANIFEST) && !type.equals(DOCKER_MANIFEST) && root.has("manifests"));
    if (index) {
      List<Descriptor> manifests = new ArrayList<>();
      for (JsonNode m : root.path("manifests")) {
        manifests.add(descriptor(m));
      }
      return new Index(manifests);
    }
    if (!root.has("config") || !root.path("layers").isArray()) {
      throw new IOException("unsupported manifest media type \"" + type + "\"");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : root.path("layers")) {
      layers.add(descriptor(l));
    }
    return new Manifest(type.isEmpty() ? OCI_MANIFEST : type, descriptor(root.path("config")), layers);
  }

  static Descriptor descriptor(JsonNode n) throws IOException {
    Digest digest;
    try {
      digest = Digest.parse(n.path("digest").asText(""));
    } catch (IllegalArgumentException e) {
      throw new IOException("descriptor: " + e.getMessage());
    }
    JsonNode p = n.path("platform");
    Map<String, String> annotations = new java.util.LinkedHashMap<>();
    n.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    long size = n.path("size").asLong(-1);
    if (size < 0) {
      throw new IOException("descriptor " + digest + ": missing size");
    }
    return new Descriptor(n.path("mediaType").asText(""), digest, size,
        p.path("os").asText(""), p.path("architecture").asText(""), p.path("variant").asText(""), Map.copyOf(annotations));
  }

  static Config config(byte[] bytes) throws IOException {
    JsonNode root = JSON.readTree(bytes);
    if (root == null || !root.isObject()) {
      throw new IOException("image config is not a JSON object");
    }
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode d : root.path("rootfs").path("diff_ids")) {
      try {
        diffIds.add(Digest.parse(d.asText("")));
      } catch (IllegalArgumentException e) {
        throw new IOException("image config rootfs.diff_ids: " + e.getMessage());
      }
    }
    return new Config(List.copyOf(diffIds), root.path("config").path("User").asText(""),
        root.path("os").asText(""), root.path("architecture").asText(""),
        new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The platform images are pulled for: linux and this node's architecture. */
  record Platform(String os, String architecture, String variant) {
    static Platform current() {
      String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> "amd64";
        case "aarch64", "arm64" -> "arm64";
        case "arm" -> "arm";
        case "ppc64le" -> "ppc64le";
        case "s390x" -> "s390x";
        case "riscv64" -> "riscv64";
        case "x86", "i386", "i686" -> "386";
        default -> System.getProperty("os.arch", "");
      };
      return new Platform("linux", arch, arch.equals("arm64") ? "v8" : arch.equals("arm") ? "v7" : "");
    }

    /** The best manifest of an index for this platform, or null when none fits. */
    @Nullable Descriptor pick(List<Descriptor> manifests) {
      Descriptor best = null;
      int bestScore = 0;
      for (Descriptor d : manifests) {
        if (!d.os().equals(os) || !d.architecture().equals(architecture)) {
          continue;
        }
        if (!d.mediaType().isEmpty() && !d.mediaType().equals(OCI_MANIFEST) && !d.mediaType().equals(DOCKER_MANIFEST)) {
          continue;
        }
        int score = d.variant().equals(variant) ? 3 : d.variant().isEmpty() ? 2 : 1;
        if (score > bestScore) {
          best = d;
          bestScore = score;
        }
      }
      return best;
    }

    @Override
    public String toString() {
      return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
  }
}
