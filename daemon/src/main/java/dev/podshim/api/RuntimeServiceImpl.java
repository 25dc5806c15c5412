package dev.podshim.api;

import dev.podshim.config.DaemonConfig;
import dev.podshim.cri.v1.CreateContainerRequest;
import dev.podshim.cri.v1.CreateContainerResponse;
import dev.podshim.cri.v1.StartContainerRequest;
import dev.podshim.cri.v1.StartContainerResponse;
import dev.podshim.cri.v1.StopContainerRequest;
import dev.podshim.cri.v1.StopContainerResponse;
import dev.podshim.cri.v1.RemoveContainerRequest;
import dev.podshim.cri.v1.RemoveContainerResponse;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ContainerStatusResponse;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.ListContainersResponse;
import dev.podshim.cri.v1.UpdateContainerResourcesRequest;
import dev.podshim.cri.v1.UpdateContainerResourcesResponse;
import dev.podshim.cri.v1.ReopenContainerLogRequest;
import dev.podshim.cri.v1.ReopenContainerLogResponse;
import dev.podshim.cri.v1.ContainerEventResponse;
import dev.podshim.cri.v1.GetEventsRequest;
import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.AttachResponse;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.ExecResponse;
import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.cri.v1.PortForwardResponse;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.cri.v1.StreamContainersRequest;
import dev.podshim.cri.v1.StreamContainersResponse;
import dev.podshim.cri.v1.ListPodSandboxRequest;
import dev.podshim.cri.v1.StreamPodSandboxesRequest;
import dev.podshim.cri.v1.StreamPodSandboxesResponse;
import dev.podshim.cri.v1.ListPodSandboxResponse;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.PodSandboxStatusResponse;
import dev.podshim.cri.v1.RemovePodSandboxRequest;
import dev.podshim.cri.v1.RemovePodSandboxResponse;
import dev.podshim.cri.v1.RunPodSandboxRequest;
import dev.podshim.cri.v1.RunPodSandboxResponse;
import dev.podshim.cri.v1.RuntimeConfigRequest;
import dev.podshim.cri.v1.RuntimeConfigResponse;
import dev.podshim.cri.v1.RuntimeServiceGrpc;
import dev.podshim.cri.v1.StatusRequest;
import dev.podshim.cri.v1.StatusResponse;
import dev.podshim.cri.v1.StopPodSandboxRequest;
import dev.podshim.cri.v1.StopPodSandboxResponse;
import dev.podshim.cri.v1.UpdateRuntimeConfigRequest;
import dev.podshim.cri.v1.UpdateRuntimeConfigResponse;
import dev.podshim.cri.v1.VersionRequest;
import dev.podshim.cri.v1.VersionResponse;
import dev.podshim.cri.v1.ContainerStatsRequest;
import dev.podshim.cri.v1.ContainerStatsResponse;
import dev.podshim.cri.v1.ListContainerStatsRequest;
import dev.podshim.cri.v1.ListContainerStatsResponse;
import dev.podshim.cri.v1.StreamContainerStatsRequest;
import dev.podshim.cri.v1.StreamContainerStatsResponse;
import dev.podshim.cri.v1.PodSandboxStatsRequest;
import dev.podshim.cri.v1.PodSandboxStatsResponse;
import dev.podshim.cri.v1.ListPodSandboxStatsRequest;
import dev.podshim.cri.v1.ListPodSandboxStatsResponse;
import dev.podshim.cri.v1.StreamPodSandboxStatsRequest;
import dev.podshim.cri.v1.StreamPodSandboxStatsResponse;
import dev.podshim.cri.v1.ListMetricDescriptorsRequest;
import dev.podshim.cri.v1.ListMetricDescriptorsResponse;
import dev.podshim.cri.v1.ListPodSandboxMetricsRequest;
import dev.podshim.cri.v1.ListPodSandboxMetricsResponse;
import dev.podshim.cri.v1.StreamPodSandboxMetricsRequest;
import dev.podshim.cri.v1.StreamPodSandboxMetricsResponse;
import dev.podshim.stats.StatsService;
import dev.podshim.container.ContainerService;
import dev.podshim.container.PodLifecycle;
import dev.podshim.network.PodNetwork;
import dev.podshim.oci.RuntimeHandlers;
import io.micrometer.core.instrument.MeterRegistry;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.streaming.StreamUrls;
import io.grpc.stub.StreamObserver;

/**
 * The CRI RuntimeService. It only routes: each method hands its request to its handler. Methods
 * not listed here belong to capabilities still to come and are answered by transport's Planned.
 */
public final class RuntimeServiceImpl extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  private final VersionHandler version;
  private final StatusHandler status;
  private final RuntimeConfigHandler runtimeConfig;
  private final UpdateRuntimeConfigHandler updateRuntimeConfig;
  private final RunPodSandboxHandler runPodSandbox;
  private final StopPodSandboxHandler stopPodSandbox;
  private final RemovePodSandboxHandler removePodSandbox;
  private final PodSandboxStatusHandler podSandboxStatus;
  private final ListPodSandboxHandler listPodSandbox;
  private final StreamPodSandboxesHandler streamPodSandboxes;
  private final CreateContainerHandler createContainer;
  private final StartContainerHandler startContainer;
  private final StopContainerHandler stopContainer;
  private final RemoveContainerHandler removeContainer;
  private final ContainerStatusHandler containerStatus;
  private final ListContainersHandler listContainers;
  private final UpdateContainerResourcesHandler updateContainerResources;
  private final UpdatePodSandboxResourcesHandler updatePodSandboxResources;
  private final ReopenContainerLogHandler reopenContainerLog;
  private final ExecSyncHandler execSync;
  private final StreamContainersHandler streamContainers;
  private final GetContainerEventsHandler containerEvents;
  private final ExecHandler exec;
  private final AttachHandler attach;
  private final PortForwardHandler portForward;

  // stats and metrics (issue 10)
  private final ContainerStatsHandler containerStats;
  private final ListContainerStatsHandler listContainerStats;
  private final StreamContainerStatsHandler streamContainerStats;
  private final PodSandboxStatsHandler podSandboxStats;
  private final ListPodSandboxStatsHandler listPodSandboxStats;
  private final StreamPodSandboxStatsHandler streamPodSandboxStats;
  private final ListMetricDescriptorsHandler listMetricDescriptors = new ListMetricDescriptorsHandler();
  private final ListPodSandboxMetricsHandler listPodSandboxMetrics;
  private final StreamPodSandboxMetricsHandler streamPodSandboxMetrics;

  public RuntimeServiceImpl(String runtimeVersion, DaemonConfig config, PodNetwork network, SandboxService sandboxes,
      ContainerService containers, PodLifecycle pods, RuntimeHandlers runtimes, ContainerEvents events,
      StreamUrls streams, MeterRegistry registry) {
    this.version = new VersionHandler(runtimeVersion);
    this.status = new StatusHandler(config, network, runtimes, streams, containers.appArmor(),
        sandboxes.userNamespaces());
    this.runtimeConfig = new RuntimeConfigHandler(config.cgroupDriver());
    this.updateRuntimeConfig = new UpdateRuntimeConfigHandler(network);
    ReadViews views = new ReadViews(sandboxes, containers);
    this.runPodSandbox = new RunPodSandboxHandler(sandboxes, views);
    this.stopPodSandbox = new StopPodSandboxHandler(pods, views);
    this.removePodSandbox = new RemovePodSandboxHandler(pods);
    this.podSandboxStatus = new PodSandboxStatusHandler(sandboxes, containers, views);
    this.listPodSandbox = new ListPodSandboxHandler(sandboxes, views);
    this.streamPodSandboxes = new StreamPodSandboxesHandler(sandboxes);
    this.createContainer = new CreateContainerHandler(containers, views);
    this.startContainer = new StartContainerHandler(containers, views);
    this.stopContainer = new StopContainerHandler(containers, views);
    this.removeContainer = new RemoveContainerHandler(containers);
    this.containerStatus = new ContainerStatusHandler(containers, views);
    this.listContainers = new ListContainersHandler(containers, views);
    this.updateContainerResources = new UpdateContainerResourcesHandler(containers);
    this.updatePodSandboxResources = new UpdatePodSandboxResourcesHandler(sandboxes);
    this.reopenContainerLog = new ReopenContainerLogHandler(containers);
    this.execSync = new ExecSyncHandler(containers, registry);
    this.streamContainers = new StreamContainersHandler(containers);
    this.containerEvents = new GetContainerEventsHandler(events);
    this.exec = new ExecHandler(containers, streams);
    this.attach = new AttachHandler(containers, streams);
    this.portForward = new PortForwardHandler(sandboxes, streams);

    StatsService stats = StatsService.create(sandboxes, containers, registry);
    this.containerStats = new ContainerStatsHandler(stats);
    this.listContainerStats = new ListContainerStatsHandler(stats);
    this.streamContainerStats = new StreamContainerStatsHandler(stats);
    this.podSandboxStats = new PodSandboxStatsHandler(stats);
    this.listPodSandboxStats = new ListPodSandboxStatsHandler(stats);
    this.streamPodSandboxStats = new StreamPodSandboxStatsHandler(stats);
    this.listPodSandboxMetrics = new ListPodSandboxMetricsHandler(stats);
    this.streamPodSandboxMetrics = new StreamPodSandboxMetricsHandler(stats);
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
    version.respond(request, out);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    status.respond(request, out);
  }

  @Override
  public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
    runtimeConfig.respond(request, out);
  }

  @Override
  public void updateRuntimeConfig(UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> out) {
    updateRuntimeConfig.respond(request, out);
  }

  @Override
  public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
    runPodSandbox.respond(request, out);
  }

  @Override
  public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
    stopPodSandbox.respond(request, out);
  }

  @Override
  public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
    removePodSandbox.respond(request, out);
  }

  @Override
  public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
    podSandboxStatus.respond(request, out);
  }

  @Override
  public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
    listPodSandbox.respond(request, out);
  }

  @Override
  public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
    createContainer.respond(request, out);
  }

  @Override
  public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
    startContainer.respond(request, out);
  }

  @Override
  public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
    stopContainer.respond(request, out);
  }

  @Override
  public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
    removeContainer.respond(request, out);
  }

  @Override
  public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
    containerStatus.respond(request, out);
  }

  @Override
  public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
    listContainers.respond(request, out);
  }

  @Override
  public void updatePodSandboxResources(dev.podshim.cri.v1.UpdatePodSandboxResourcesRequest request,
      StreamObserver<dev.podshim.cri.v1.UpdatePodSandboxResourcesResponse> out) {
    updatePodSandboxResources.respond(request, out);
  }

  @Override
  public void updateContainerResources(UpdateContainerResourcesRequest request, StreamObserver<UpdateContainerResourcesResponse> out) {
    updateContainerResources.respond(request, out);
  }

  @Override
  public void reopenContainerLog(ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> out) {
    reopenContainerLog.respond(request, out);
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
    execSync.respond(request, out);
  }

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
    exec.respond(request, out);
  }

  @Override
  public void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
    attach.respond(request, out);
  }

  @Override
  public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
    portForward.respond(request, out);
  }

  @Override
  public void streamContainers(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    streamContainers.respond(request, out);
  }

  @Override
  public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
    containerEvents.respond(request, out);
  }

  @Override
  public void streamPodSandboxes(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    streamPodSandboxes.respond(request, out);
  }

  // stats and metrics (issue 10)

  @Override
  public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
    containerStats.respond(request, out);
  }

  @Override
  public void listContainerStats(ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
    listContainerStats.respond(request, out);
  }

  @Override
  public void streamContainerStats(StreamContainerStatsRequest request,
      StreamObserver<StreamContainerStatsResponse> out) {
    streamContainerStats.respond(request, out);
  }

  @Override
  public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
    podSandboxStats.respond(request, out);
  }

  @Override
  public void listPodSandboxStats(ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> out) {
    listPodSandboxStats.respond(request, out);
  }

  @Override
  public void streamPodSandboxStats(StreamPodSandboxStatsRequest request,
      StreamObserver<StreamPodSandboxStatsResponse> out) {
    streamPodSandboxStats.respond(request, out);
  }

  @Override
  public void listMetricDescriptors(ListMetricDescriptorsRequest request,
      StreamObserver<ListMetricDescriptorsResponse> out) {
    listMetricDescriptors.respond(request, out);
  }

  @Override
  public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request,
      StreamObserver<ListPodSandboxMetricsResponse> out) {
    listPodSandboxMetrics.respond(request, out);
  }

  @Override
  public void streamPodSandboxMetrics(StreamPodSandboxMetricsRequest request,
      StreamObserver<StreamPodSandboxMetricsResponse> out) {
    streamPodSandboxMetrics.respond(request, out);
  }
}
