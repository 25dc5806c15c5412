package dev.podshim.api;

import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.ListPodSandboxResponse;
import dev.podshim.cri.v1.PodSandboxFilter;
import dev.podshim.cri.v1.PodSandboxState;
import dev.podshim.errors.CriException;
import dev.podshim.sandbox.SandboxFilter;
import dev.podshim.sandbox.SandboxService;

/** ListPodSandbox: filter by id or id prefix, state and label selector. */
final class ListPodSandboxHandler implements UnaryHandler<ListPodSandboxRequest, ListPodSandboxResponse> {
  private final SandboxService sandboxes;
  private final ReadViews views;

  ListPodSandboxHandler(SandboxService sandboxes, ReadViews views) {
    this.sandboxes = sandboxes;
    this.views = views;
  }

  @Override
  public ListPodSandboxResponse handle(ListPodSandboxRequest request) {
    ListPodSandboxResponse.Builder response = ListPodSandboxResponse.newBuilder();
    sandboxes.list(filter(request)).forEach(s -> response.addItems(views.listItem(s)));
    return response.build();
  }

  private static SandboxFilter filter(ListPodSandboxRequest request) {
    return filter(request.hasFilter() ? request.getFilter() : null);
  }

  static SandboxFilter filter(@org.jspecify.annotations.Nullable PodSandboxFilter f) {
    if (f == null) {
      return SandboxFilter.all();
    }
    Boolean ready = null;
    if (f.hasState()) {
      PodSandboxState state = f.getState().getState();
      if (state == PodSandboxState.UNRECOGNIZED) {
        throw CriException.invalidArgument("filter.state: unknown state " + f.getState().getStateValue());
      }
      ready = state == PodSandboxState.SANDBOX_READY;
    }
    return new SandboxFilter(f.getId(), ready, f.getLabelSelectorMap());
  }
}
