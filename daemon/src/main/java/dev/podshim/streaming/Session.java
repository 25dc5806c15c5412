package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.Inputs;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection that got past the door: holds its session slot, counts its bytes, and
 * logs and counts its end exactly once, whichever side ends it. The first outcome recorded wins,
 * so a client hanging up after the command ended does not turn a success into CLIENT_GONE.
 */
final class Session {
  private static final Logger LOG = LoggerFactory.getLogger(Session.class);

  private final StreamTarget target;
  private final String protocol;
  private final StreamingMetrics metrics;
  private final Runnable releaseSlot;
  private final long startNanos = System.nanoTime();
  private final AtomicReference<Outcome> outcome = new AtomicReference<>();
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile int exitCode = -1;

  Session(StreamTarget target, String protocol, StreamingMetrics metrics, Runnable releaseSlot) {
    this.target = requireNonNull(target, "target");
    this.protocol = requireNonNull(protocol, "protocol");
    this.metrics = requireNonNull(metrics, "metrics");
    this.releaseSlot = requireNonNull(releaseSlot, "releaseSlot");
    metrics.started(target.kind());
    LOG.atInfo().addKeyValue("kind", target.kind().tag()).addKeyValue(idKey(), Inputs.logged(target.id()))
        .addKeyValue("protocol", protocol).log("streaming session started");
  }

  StreamTarget target() {
    return target;
  }

  SessionKind kind() {
    return target.kind();
  }

  /** Records how the session ended, unless an earlier outcome was recorded. */
  void outcome(Outcome value) {
    outcome.compareAndSet(null, value);
  }

  boolean hasOutcome() {
    return outcome.get() != null;
  }

  void exitCode(int code) {
    this.exitCode = code;
  }

  void bytesIn(int n) {
    metrics.bytesIn(target.kind(), n);
  }

  void bytesOut(int n) {
    metrics.bytesOut(target.kind(), n);
  }

  /** The connection is gone: frees the slot, counts and logs; idempotent. */
  void ended() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    // a connection that closes with no outcome was closed by the client; for a port forward
    // that is its normal end, for a command it is walking away from it
    outcome(target.kind() == SessionKind.PORTFORWARD ? Outcome.SUCCESS : Outcome.CLIENT_GONE);
    Outcome result = outcome.get();
    releaseSlot.run();
    metrics.ended(target.kind(), result);
    var event = LOG.atInfo().addKeyValue("kind", target.kind().tag())
        .addKeyValue(idKey(), Inputs.logged(target.id()))
        .addKeyValue("protocol", protocol)
        .addKeyValue("duration_ms", (System.nanoTime() - startNanos) / 1_000_000)
        .addKeyValue("outcome", result.tag());
    if (exitCode >= 0) {
      event = event.addKeyValue("exit_code", exitCode);
    }
    event.log("streaming session ended");
  }

  private String idKey() {
    return target.kind() == SessionKind.PORTFORWARD ? "pod_sandbox_id" : "container_id";
  }
}
