package dev.podshim.streaming;

import dev.podshim.config.StreamingConfig;
import dev.podshim.container.StreamOptions;
import dev.podshim.cri.v1.AttachRequest;
import dev.podshim.cri.v1.ExecRequest;
import dev.podshim.cri.v1.PortForwardRequest;
import dev.podshim.transport.EventLoops;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A streaming server on 127.0.0.1 with the process backend, a registry and a client. */
final class StreamingFixture implements AutoCloseable {
  final ProcessBackend backend = new ProcessBackend();
  final MeterRegistry registry = new SimpleMeterRegistry();
  final StreamingServer server;
  final StreamClient client;
  private final EventLoops loops = new EventLoops();

  StreamingFixture() throws IOException {
    this(new StreamingConfig("127.0.0.1", 0, null, null, 8, Duration.ofMinutes(1)), null, 100);
  }

  StreamingFixture(StreamingConfig config, Path trustedCert, int tokenCapacity) throws IOException {
    this(config, trustedCert, tokenCapacity, StreamingServer.IDLE_TIMEOUT);
  }

  StreamingFixture(StreamingConfig config, Path trustedCert, int tokenCapacity, Duration idleTimeout)
      throws IOException {
    server = new StreamingServer(config, loops, backend, registry, tokenCapacity, Duration.ofSeconds(2), idleTimeout);
    server.start();
    client = trustedCert == null ? new StreamClient() : StreamClient.trusting(trustedCert);
  }

  static StreamOptions options(boolean stdin, boolean stdout, boolean stderr, boolean tty) {
    return new StreamOptions(stdin, stdout, stderr, tty);
  }

  String exec(StreamOptions o, String... cmd) {
    return server.exec(ExecRequest.newBuilder().setContainerId("c1").addAllCmd(List.of(cmd))
        .setStdin(o.stdin()).setStdout(o.stdout()).setStderr(o.stderr()).setTty(o.tty()).build());
  }

  String attach(StreamOptions o) {
    return server.attach(AttachRequest.newBuilder().setContainerId("c1")
        .setStdin(o.stdin()).setStdout(o.stdout()).setStderr(o.stderr()).setTty(o.tty()).build());
  }

  String portForward(Integer... ports) {
    return server.portForward(PortForwardRequest.newBuilder().setPodSandboxId("s1").addAllPort(List.of(ports)).build());
  }

  double active(String kind) {
    return registry.get("podshim.streaming.sessions.active").tag("kind", kind).gauge().value();
  }

  double sessions(String kind, String outcome) {
    return registry.get("podshim.streaming.sessions").tag("kind", kind).tag("outcome", outcome).counter().count();
  }

  double bytes(String kind, String direction) {
    return registry.get("podshim.streaming.bytes").tag("kind", kind).tag("direction", direction).counter().count();
  }

  /** Waits for a condition the server reaches on its own threads (a session's end, say). */
  static void eventually(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + StreamClient.TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  @Override
  public void close() {
    server.close();
    loops.close();
    client.close();
    backend.started.forEach(p -> p.process.destroyForcibly());
  }
}
