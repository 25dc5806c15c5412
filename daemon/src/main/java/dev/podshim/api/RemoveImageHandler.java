package dev.podshim.api;

import dev.podshim.cri.v1.RemoveImageRequest;
import dev.podshim.cri.v1.RemoveImageResponse;
import dev.podshim.image.ImageService;

/** RemoveImage: by tag untags (while other tags remain), by id or digest removes; missing succeeds. */
final class RemoveImageHandler implements UnaryHandler<RemoveImageRequest, RemoveImageResponse> {
  private final ImageService images;

  RemoveImageHandler(ImageService images) {
    this.images = images;
  }

  @Override
  public RemoveImageResponse handle(RemoveImageRequest request) {
    images.remove(ImageStatusHandler.required(request.hasImage() ? request.getImage().getImage() : ""));
    return RemoveImageResponse.getDefaultInstance();
  }
}
