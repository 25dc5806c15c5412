package dev.podshim.streaming;

import dev.podshim.container.OutputSink;
import dev.podshim.container.ProcessStreams;
import dev.podshim.container.StreamOptions;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * What the streaming server needs of the containers and pods: the daemon wires it to
 * ContainerService and SandboxService. Errors are CriExceptions (the container stopped since the
 * URL was handed out) or IOExceptions; the server reports their message on the error stream.
 */
public interface StreamingBackend {
  /** Starts {@code cmd} in the running container, as ExecSync runs it, with the asked-for stdio. */
  ProcessStreams exec(String containerId, List<String> cmd, StreamOptions options, OutputSink output)
      throws IOException;

  /** Connects to the running container's stdio through its monitor. */
  ProcessStreams attach(String containerId, StreamOptions options, OutputSink output) throws IOException;

  /**
   * A TCP connection to 127.0.0.1:{@code port} in the pod's network namespace (the host's for a
   * host-network pod); ConnectException when nothing listens there.
   */
  SocketChannel dial(String podSandboxId, int port) throws IOException;
}
