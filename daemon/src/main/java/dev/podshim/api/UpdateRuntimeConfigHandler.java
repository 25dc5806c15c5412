package dev.podshim.api;

import dev.podshim.cri.v1.UpdateRuntimeConfigRequest;
import dev.podshim.cri.v1.UpdateRuntimeConfigResponse;
import dev.podshim.network.PodNetwork;

/** UpdateRuntimeConfig: kubelet hands over the node's pod CIDR. */
final class UpdateRuntimeConfigHandler implements UnaryHandler<UpdateRuntimeConfigRequest, UpdateRuntimeConfigResponse> {
  private final PodNetwork network;

  UpdateRuntimeConfigHandler(PodNetwork network) {
    this.network = network;
  }

  @Override
  public UpdateRuntimeConfigResponse handle(UpdateRuntimeConfigRequest request) {
    network.updatePodCidr(request.getRuntimeConfig().getNetworkConfig().getPodCidr());
    return UpdateRuntimeConfigResponse.getDefaultInstance();
  }
}
