package dev.podshim.api;

import dev.podshim.cri.v1.Image;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ImageStatusResponse;
import dev.podshim.cri.v1.Int64Value;
import dev.podshim.errors.CriException;
import dev.podshim.image.ImageInfo;
import dev.podshim.image.ImageReference;
import dev.podshim.image.ImageService;
import java.util.Optional;

/**
 * ImageStatus: the image a reference names (id, tag or digest); an unknown image is an empty
 * answer, not an error. Verbose adds {@code info["info"]}: the image config and its layers as JSON.
 */
final class ImageStatusHandler implements UnaryHandler<ImageStatusRequest, ImageStatusResponse> {
  private final ImageService images;

  ImageStatusHandler(ImageService images) {
    this.images = images;
  }

  @Override
  public ImageStatusResponse handle(ImageStatusRequest request) {
    String ref = required(request.hasImage() ? request.getImage().getImage() : "");
    Optional<ImageInfo> image = images.status(ref);
    if (image.isEmpty()) {
      return ImageStatusResponse.getDefaultInstance();
    }
    ImageStatusResponse.Builder out = ImageStatusResponse.newBuilder().setImage(toProto(image.get()));
    if (request.getVerbose()) {
      images.verboseInfo(image.get().id()).ifPresent(json -> out.putInfo("info", json));
    }
    return out.build();
  }

  static String required(String image) {
    if (image.isBlank()) {
      throw CriException.invalidArgument("image.image: required");
    }
    return image.strip();
  }

  /** Parses a reference to pull; a malformed one is INVALID_ARGUMENT naming the field. */
  static ImageReference reference(String image) {
    String s = required(image);
    try {
      return ImageReference.parse(s);
    } catch (IllegalArgumentException e) {
      throw CriException.invalidArgument("image.image: " + e.getMessage());
    }
  }

  static Image toProto(ImageInfo i) {
    Image.Builder b = Image.newBuilder()
        .setId(i.id())
        .addAllRepoTags(i.repoTags())
        .addAllRepoDigests(i.repoDigests())
        .setSize(i.size())
        .setUsername(i.username())
        .setSpec(ImageSpec.newBuilder().setImage(i.id()))
        .setPinned(i.pinned());
    if (i.uid() != null) {
      b.setUid(Int64Value.newBuilder().setValue(i.uid()));
    }
    return b.build();
  }
}
