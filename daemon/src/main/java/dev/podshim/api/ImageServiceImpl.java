package dev.podshim.api;

import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ImageFsInfoResponse;
import dev.podshim.cri.v1.ImageServiceGrpc;
import dev.podshim.image.ImageFilesystem;
import io.grpc.stub.StreamObserver;

/**
 * The CRI ImageService. It only routes; methods not listed here belong to the image work still
 * to come and are answered UNIMPLEMENTED, naming what is missing, by transport's Planned.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {
  private final ImageFsInfoHandler imageFsInfo;

  public ImageServiceImpl(ImageFilesystem images) {
    this.imageFsInfo = new ImageFsInfoHandler(images);
  }

  @Override
  public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
    out.onNext(imageFsInfo.handle(request));
    out.onCompleted();
  }
}
