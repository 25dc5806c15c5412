package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.StreamOptions;
import java.util.List;

/**
 * What a streaming URL stands for: the request the RPC handed out, kept by the token cache until
 * the client opens the URL. Values copied out of the protobuf so nothing mutable is held.
 */
sealed interface StreamTarget {
  SessionKind kind();

  /** The container or sandbox id the session works on, for logs. */
  String id();

  record Exec(String containerId, List<String> cmd, StreamOptions options) implements StreamTarget {
    public Exec {
      requireNonNull(containerId, "containerId");
      cmd = List.copyOf(cmd);
      requireNonNull(options, "options");
    }

    @Override
    public SessionKind kind() {
      return SessionKind.EXEC;
    }

    @Override
    public String id() {
      return containerId;
    }
  }

  record Attach(String containerId, StreamOptions options) implements StreamTarget {
    public Attach {
      requireNonNull(containerId, "containerId");
      requireNonNull(options, "options");
    }

    @Override
    public SessionKind kind() {
      return SessionKind.ATTACH;
    }

    @Override
    public String id() {
      return containerId;
    }
  }

  /** @param ports the ports the request named; empty means any port may be forwarded */
  record PortForward(String sandboxId, List<Integer> ports) implements StreamTarget {
    public PortForward {
      requireNonNull(sandboxId, "sandboxId");
      ports = List.copyOf(ports);
    }

    @Override
    public SessionKind kind() {
      return SessionKind.PORTFORWARD;
    }

    @Override
    public String id() {
      return sandboxId;
    }
  }
}
