package dev.podshim.api;

import dev.podshim.cri.v1.ListMetricDescriptorsRequest;
import dev.podshim.cri.v1.ListMetricDescriptorsResponse;

/** ListMetricDescriptors: the fixed set ListPodSandboxMetrics reports. */
final class ListMetricDescriptorsHandler
    implements UnaryHandler<ListMetricDescriptorsRequest, ListMetricDescriptorsResponse> {
  private static final ListMetricDescriptorsResponse RESPONSE =
      ListMetricDescriptorsResponse.newBuilder().addAllDescriptors(CadvisorMetrics.DESCRIPTORS).build();

  @Override
  public ListMetricDescriptorsResponse handle(ListMetricDescriptorsRequest request) {
    return RESPONSE;
  }
}
