package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.ContainerService;
import dev.podshim.container.OutputSink;
import dev.podshim.container.ProcessStreams;
import dev.podshim.container.StreamOptions;
import dev.podshim.sandbox.SandboxService;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/** The streaming server's way to this node's containers (exec, attach) and pods (port forwarding). */
public final class NodeBackend implements StreamingBackend {
  private final ContainerService containers;
  private final SandboxService sandboxes;

  public NodeBackend(ContainerService containers, SandboxService sandboxes) {
    this.containers = requireNonNull(containers, "containers");
    this.sandboxes = requireNonNull(sandboxes, "sandboxes");
  }

  @Override
  public ProcessStreams exec(String containerId, List<String> cmd, StreamOptions options, OutputSink output) {
    return containers.exec(containerId, cmd, options, output);
  }

  @Override
  public ProcessStreams attach(String containerId, StreamOptions options, OutputSink output) {
    return containers.attach(containerId, options, output);
  }

  @Override
  public SocketChannel dial(String podSandboxId, int port) throws IOException {
    return sandboxes.dialPort(podSandboxId, port);
  }
}
