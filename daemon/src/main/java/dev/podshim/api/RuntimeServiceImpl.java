package dev.podshim.api;

import dev.podshim.config.DaemonConfig;
import dev.podshim.cri.v1.ListPodSandboxRequest;
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
import dev.podshim.network.PodNetwork;
import dev.podshim.sandbox.SandboxService;
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

  public RuntimeServiceImpl(String runtimeVersion, DaemonConfig config, PodNetwork network, SandboxService sandboxes) {
    this.version = new VersionHandler(runtimeVersion);
    this.status = new StatusHandler(config, network);
    this.runtimeConfig = new RuntimeConfigHandler(config.cgroupDriver());
    this.updateRuntimeConfig = new UpdateRuntimeConfigHandler(network);
    this.runPodSandbox = new RunPodSandboxHandler(sandboxes);
    this.stopPodSandbox = new StopPodSandboxHandler(sandboxes);
    this.removePodSandbox = new RemovePodSandboxHandler(sandboxes);
    this.podSandboxStatus = new PodSandboxStatusHandler(sandboxes);
    this.listPodSandbox = new ListPodSandboxHandler(sandboxes);
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
}
