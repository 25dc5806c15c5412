package dev.podshim.api;

import dev.podshim.container.ContainerFilter;
import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.ListContainersResponse;
import dev.podshim.errors.CriException;
import dev.podshim.store.ContainerStatus;

/** ListContainers: filter by id or id prefix, state, pod sandbox and label selector. */
final class ListContainersHandler implements UnaryHandler<ListContainersRequest, ListContainersResponse> {
  private final ContainerService containers;
  private final ReadViews views;

  ListContainersHandler(ContainerService containers, ReadViews views) {
    this.containers = containers;
    this.views = views;
  }

  @Override
  public ListContainersResponse handle(ListContainersRequest request) {
    ListContainersResponse.Builder response = ListContainersResponse.newBuilder();
    containers.list(filter(request.hasFilter() ? request.getFilter() : null))
        .forEach(c -> response.addContainers(views.listItem(c)));
    return response.build();
  }

  static ContainerFilter filter(dev.podshim.cri.v1.@org.jspecify.annotations.Nullable ContainerFilter f) {
    if (f == null) {
      return ContainerFilter.all();
    }
    ContainerStatus.State state = null;
    if (f.hasState()) {
      ContainerState s = f.getState().getState();
      if (s == ContainerState.UNRECOGNIZED) {
        throw CriException.invalidArgument("filter.state: unknown state " + f.getState().getStateValue());
      }
      state = ContainerStatus.State.values()[s.getNumber()];
    }
    return new ContainerFilter(f.getId(), state, f.getPodSandboxId(), f.getLabelSelectorMap());
  }
}
