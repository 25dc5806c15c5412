package dev.podshim.api;

import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.cri.v1.VersionResponse;

/** Version: who we are and which CRI version we speak. */
final class VersionHandler implements UnaryHandler<VersionRequest, VersionResponse> {
  static final String RUNTIME_NAME = "podshim";
  /** The kubelet runtime API version field; kubelet and crictl expect 0.1.0. */
  private static final String KUBELET_API_VERSION = "0.1.0";

  private final String runtimeVersion;

  VersionHandler(String runtimeVersion) {
    this.runtimeVersion = runtimeVersion;
  }

  @Override
  public VersionResponse handle(VersionRequest request) {
    return VersionResponse.newBuilder()
        .setVersion(KUBELET_API_VERSION)
        .setRuntimeName(RUNTIME_NAME)
        .setRuntimeVersion(runtimeVersion)
        .setRuntimeApiVersion("v1")
        .build();
  }
}
