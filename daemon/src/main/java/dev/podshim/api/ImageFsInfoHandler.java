package dev.podshim.api;

import dev.podshim.cri.v1.FilesystemIdentifier;
import dev.podshim.cri.v1.FilesystemUsage;
import dev.podshim.cri.v1.ImageFsInfoRequest;
import dev.podshim.cri.v1.ImageFsInfoResponse;
import dev.podshim.cri.v1.UInt64Value;
import dev.podshim.image.ImageFilesystem;

/** ImageFsInfo: bytes and inodes the image store uses, for kubelet's image garbage collection. */
final class ImageFsInfoHandler implements UnaryHandler<ImageFsInfoRequest, ImageFsInfoResponse> {
  private final ImageFilesystem images;

  ImageFsInfoHandler(ImageFilesystem images) {
    this.images = images;
  }

  @Override
  public ImageFsInfoResponse handle(ImageFsInfoRequest request) {
    ImageFilesystem.Usage usage = images.usage();
    FilesystemUsage fs = FilesystemUsage.newBuilder()
        .setTimestamp(usage.timestampNanos())
        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(usage.mountpoint()))
        .setUsedBytes(UInt64Value.newBuilder().setValue(usage.usedBytes()))
        .setInodesUsed(UInt64Value.newBuilder().setValue(usage.inodesUsed()))
        .build();
    // containers write into the same store (their snapshots live beside the layers)
    return ImageFsInfoResponse.newBuilder().addImageFilesystems(fs).addContainerFilesystems(fs).build();
  }
}
