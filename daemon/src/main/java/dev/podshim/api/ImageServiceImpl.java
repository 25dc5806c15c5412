package dev.podshim.api;

import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ImageFsInfoResponse;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.cri.v1.ImageStatusRequest;
import dev.podshim.cri.v1.ImageStatusResponse;
import dev.podshim.cri.v1.ListImagesRequest;
import dev.podshim.cri.v1.ListImagesResponse;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.PullImageResponse;
import dev.podshim.cri.v1.RemoveImageRequest;
import dev.podshim.cri.v1.RemoveImageResponse;
import dev.podshim.cri.v1.StreamImagesRequest;
import dev.podshim.cri.v1.StreamImagesResponse;
import dev.podshim.config.RegistryConfig;
import dev.podshim.image.ImageService;
import io.grpc.stub.StreamObserver;

/**
 * The CRI ImageService. It only routes: each method hands its request to its handler.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {
  private final ImageFsInfoHandler imageFsInfo;
  private final PullImageHandler pullImage;
  private final ImageStatusHandler imageStatus;
  private final ListImagesHandler listImages;
  private final StreamImagesHandler streamImages;
  private final RemoveImageHandler removeImage;

  public ImageServiceImpl(ImageService images) {
    this.imageFsInfo = new ImageFsInfoHandler(images.filesystem());
    this.pullImage = new PullImageHandler(images);
    this.imageStatus = new ImageStatusHandler(images);
    this.listImages = new ListImagesHandler(images);
    this.streamImages = new StreamImagesHandler(images);
    this.removeImage = new RemoveImageHandler(images);
  }

  @Override
  public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
    imageFsInfo.respond(request, out);
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> out) {
    pullImage.respond(request, out);
  }

  @Override
  public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> out) {
    imageStatus.respond(request, out);
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
    listImages.respond(request, out);
  }

  @Override
  public void streamImages(StreamImagesRequest request, StreamObserver<StreamImagesResponse> out) {
    streamImages.respond(request, out);
  }

  @Override
  public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> out) {
    removeImage.respond(request, out);
  }
}
