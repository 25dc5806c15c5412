package dev.podshim.image;

import java.util.ArrayList;
import java.util.List;

/**
 * One image in the store, as {@code images/index.json} keeps it. The id is the config digest.
 *
 * @param id config digest, {@code sha256:…}
 * @param repoTags {@code name:tag} references pointing at this image
 * @param repoDigests {@code name@digest} references (digest of what the registry served for the tag)
 * @param size bytes of manifest, config and compressed layers, as the registry counts them
 * @param manifests digests of the index (if any) and manifest blobs kept for this image
 * @param layers the layers, bottom first
 * @param user the config's User field
 */
record ImageRecord(String id, List<String> repoTags, List<String> repoDigests, long size, List<String> manifests,
    List<Layer> layers, String user) {

  /** A layer: its blob, the digest of its uncompressed tar and its chain id (the unpacked directory). */
  record Layer(String digest, String mediaType, long size, String diffId, String chainId) {}

  ImageRecord {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
    manifests = List.copyOf(manifests);
    layers = List.copyOf(layers);
  }

  ImageRecord withoutTag(String tag) {
    List<String> tags = new ArrayList<>(repoTags);
    tags.remove(tag);
    return new ImageRecord(id, tags, repoDigests, size, manifests, layers, user);
  }

  /** This image with the other's references added (a second pull or import of the same image). */
  ImageRecord merge(ImageRecord other) {
    List<String> tags = new ArrayList<>(repoTags);
    other.repoTags.stream().filter(t -> !tags.contains(t)).forEach(tags::add);
    List<String> digests = new ArrayList<>(repoDigests);
    other.repoDigests.stream().filter(d -> !digests.contains(d)).forEach(digests::add);
    List<String> mans = new ArrayList<>(manifests);
    other.manifests.stream().filter(m -> !mans.contains(m)).forEach(mans::add);
    return new ImageRecord(id, tags, digests, Math.max(size, other.size), mans, other.layers.isEmpty() ? layers : other.layers, other.user);
  }
}
