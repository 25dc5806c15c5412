package dev.podshim.transport;

import static java.util.Objects.requireNonNull;

import dev.podshim.cri.v1.RuntimeServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.health.v1.HealthGrpc;
import java.util.Set;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * Where each call runs. The reads kubelet repeats every second (status and list of pods and
 * containers, Version, health) answer from memory in microseconds, so they run on the event loop
 * that read them: handing a call to a call thread and back costs several thread wake-ups, which on
 * a busy node took milliseconds. Everything else may block (processes, mounts, fsync, CNI) and
 * runs on the call threads.
 */
final class InlineReads implements ServerCallExecutorSupplier {
  /** Handlers that never block: memory only, no process, no lock held across I/O. */
  static final Set<String> INLINE = Set.of(
      RuntimeServiceGrpc.getVersionMethod().getFullMethodName(),
      RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName(),
      RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
      RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName(),
      RuntimeServiceGrpc.getListContainersMethod().getFullMethodName(),
      HealthGrpc.getCheckMethod().getFullMethodName());

  private final Executor blocking;

  InlineReads(Executor blocking) {
    this.blocking = requireNonNull(blocking, "blocking");
  }

  @Override
  public <Q, R> @Nullable Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
    return INLINE.contains(call.getMethodDescriptor().getFullMethodName()) ? null : blocking;
  }
}
