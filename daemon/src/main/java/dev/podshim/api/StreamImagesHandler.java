package dev.podshim.api;

import dev.podshim.cri.v1.StreamImagesRequest;
import dev.podshim.cri.v1.StreamImagesResponse;
import dev.podshim.image.ImageService;
import io.grpc.stub.StreamObserver;

/** StreamImages: ListImages' answer (every image, or the one the filter names), in {@link Batches}. */
final class StreamImagesHandler {
  private final ImageService images;

  StreamImagesHandler(ImageService images) {
    this.images = images;
  }

  void respond(StreamImagesRequest request, StreamObserver<StreamImagesResponse> out) {
    String filter = request.hasFilter() && request.getFilter().hasImage() ? request.getFilter().getImage().getImage() : "";
    Batches.send(images.list(filter),
        batch -> StreamImagesResponse.newBuilder()
            .addAllImages(batch.stream().map(ImageStatusHandler::toProto).toList()).build(),
        out);
  }
}
