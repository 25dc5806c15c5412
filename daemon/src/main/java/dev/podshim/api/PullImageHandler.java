package dev.podshim.api;

import dev.podshim.cri.v1.AuthConfig;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.PullImageResponse;
import dev.podshim.errors.CriException;
import dev.podshim.image.ImageReference;
import dev.podshim.image.ImageService;
import dev.podshim.image.PullAuth;

/** PullImage: pull by tag or digest with the request's credentials; answers the image id. */
final class PullImageHandler implements UnaryHandler<PullImageRequest, PullImageResponse> {
  private final ImageService images;

  PullImageHandler(ImageService images) {
    this.images = images;
  }

  @Override
  public PullImageResponse handle(PullImageRequest request) {
    ImageReference ref = ImageStatusHandler.reference(request.hasImage() ? request.getImage().getImage() : "");
    PullAuth auth = PullAuth.NONE;
    if (request.hasAuth()) {
      AuthConfig a = request.getAuth();
      auth = new PullAuth(a.getUsername(), a.getPassword(), a.getAuth(), a.getServerAddress(), a.getIdentityToken(),
          a.getRegistryToken());
      try {
        auth.basic();
      } catch (IllegalArgumentException e) {
        throw CriException.invalidArgument(e.getMessage());
      }
    }
    String id = images.pull(ref, auth);
    return PullImageResponse.newBuilder().setImageRef(id).build();
  }
}
