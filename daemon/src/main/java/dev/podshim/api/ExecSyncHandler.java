package dev.podshim.api;

import com.google.protobuf.ByteString;
import dev.podshim.container.ContainerService;
import dev.podshim.cri.v1.ExecSyncRequest;
import dev.podshim.cri.v1.ExecSyncResponse;
import dev.podshim.errors.CriException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ExecSync: the command's exit code and output (each stream capped at 16 MiB); timeout 0 means none. */
final class ExecSyncHandler implements UnaryHandler<ExecSyncRequest, ExecSyncResponse> {
  private static final long MAX_TIMEOUT_SECONDS = 365L * 24 * 3600;
  private final ContainerService containers;
  private final Map<String, Timer> durations = new HashMap<>();

  ExecSyncHandler(ContainerService containers, MeterRegistry registry) {
    this.containers = containers;
    for (String outcome : List.of("ok", "timeout", "error")) {
      durations.put(outcome, Timer.builder("podshim.exec.sync.duration")
          .description("ExecSync calls, from start to the command's exit").tag("outcome", outcome)
          .register(registry));
    }
  }

  @Override
  public ExecSyncResponse handle(ExecSyncRequest request) {
    Ids.require("container_id", request.getContainerId());
    if (request.getTimeout() < 0 || request.getTimeout() > MAX_TIMEOUT_SECONDS) {
      throw CriException.invalidArgument("timeout: " + request.getTimeout() + " is not between 0 and "
          + MAX_TIMEOUT_SECONDS + " seconds");
    }
    long begin = System.nanoTime();
    String outcome = "error";
    try {
      var result = containers.execSync(request.getContainerId(), request.getCmdList(),
          Duration.ofSeconds(request.getTimeout()));
      outcome = "ok";
      return ExecSyncResponse.newBuilder().setExitCode(result.exitCode())
          .setStdout(ByteString.copyFrom(result.stdout())).setStderr(ByteString.copyFrom(result.stderr())).build();
    } catch (CriException e) {
      outcome = e.kind() == CriException.Kind.DEADLINE_EXCEEDED ? "timeout" : "error";
      throw e;
    } finally {
      durations.get(outcome).record(Duration.ofNanos(System.nanoTime() - begin));
    }
  }
}
