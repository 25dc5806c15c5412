package dev.podshim.api;

import dev.podshim.cri.v1.ListImagesRequest;
import dev.podshim.cri.v1.ListImagesResponse;
import dev.podshim.image.ImageService;

/** ListImages: every image, or only the one the filter's image names. */
final class ListImagesHandler implements UnaryHandler<ListImagesRequest, ListImagesResponse> {
  private final ImageService images;

  ListImagesHandler(ImageService images) {
    this.images = images;
  }

  @Override
  public ListImagesResponse handle(ListImagesRequest request) {
    String filter = request.hasFilter() && request.getFilter().hasImage() ? request.getFilter().getImage().getImage() : "";
    ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
    images.list(filter).forEach(i -> out.addImages(ImageStatusHandler.toProto(i)));
    return out.build();
  }
}
