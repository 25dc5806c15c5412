package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.errors.CriException;
import dev.podshim.image.ImageVolumes;
import dev.podshim.store.ContainerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's image volumes: each image it mounts is held for it (mounted once, shared) and each
 * mount's source becomes the image's root, or the image's {@code image_sub_path} resolved inside
 * it, symlinks followed relative to the image's root as in a rootfs, so nothing outside the image
 * can be reached.
 */
final class ImageVolumeMounts {
  private ImageVolumeMounts() {}

  /**
   * {@code config} with every image volume's host path set to where it is mounted for {@code
   * holder}. The caller releases the holder's volumes if anything later fails, this included.
   */
  static ContainerConfig resolve(ContainerConfig config, ImageVolumes volumes, String holder) {
    if (config.mounts().stream().noneMatch(ContainerConfig.Mount::mountsImage)) {
      return config;
    }
    List<ContainerConfig.Mount> mounts = new ArrayList<>();
    for (int i = 0; i < config.mounts().size(); i++) {
      ContainerConfig.Mount m = config.mounts().get(i);
      if (!m.mountsImage()) {
        mounts.add(m);
        continue;
      }
      String field = "config.mounts[" + i + "]";
      Path root;
      try {
        root = volumes.acquire(m.image(), holder);
      } catch (CriException e) {
        if (e.kind() == CriException.Kind.NOT_FOUND) { // kubelet pulls first: name what was not there
          throw CriException.notFound(field + ".image.image: " + e.getMessage());
        }
        throw e;
      }
      mounts.add(m.withHostPath(source(root, m.imageSubPath(), field + ".image_sub_path").toString()));
    }
    return config.withMounts(mounts);
  }

  /**
   * The image's root, or the directory {@code subPath} names inside it. Only a directory, as
   * containerd takes it: KEP-4639 leaves single files out of image volumes.
   */
  static Path source(Path root, String subPath, String field) {
    if (subPath.isEmpty()) {
      return root;
    }
    Path inside;
    try {
      inside = RootfsPath.resolve(root, "/" + subPath);
    } catch (IOException e) {
      throw invalid(field, "cannot resolve " + quoted(subPath) + " in the image: " + e.getMessage());
    }
    if (!Files.exists(inside, LinkOption.NOFOLLOW_LINKS)) {
      throw invalid(field, quoted(subPath) + " does not exist in the image");
    }
    if (!Files.isDirectory(inside, LinkOption.NOFOLLOW_LINKS)) {
      throw invalid(field, quoted(subPath) + " is not a directory in the image");
    }
    return inside;
  }
}
