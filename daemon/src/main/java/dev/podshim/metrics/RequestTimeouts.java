package dev.podshim.metrics;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long one connection may take to send a request: from its first byte, the request line and
 * headers must be in within the request timeout; a connection that sends nothing (new, or kept
 * alive after a scrape) is closed after the idle timeout. While it waits it counts among the
 * {@link WaitingConnections}; while its request is answered it reads nothing more, so a client
 * cannot queue requests behind a slow one. Sits before the HTTP codec, where the raw bytes pass.
 * Every method runs on the connection's event loop.
 */
final class RequestTimeouts extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(RequestTimeouts.class);

  private final MetricsServer.ConnectionLimits limits;
  private final WaitingConnections waiting;
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable ScheduledFuture<?> deadline;
  private boolean answering;
  private boolean partial;

  RequestTimeouts(MetricsServer.ConnectionLimits limits, WaitingConnections waiting) {
    this.limits = requireNonNull(limits, "limits");
    this.waiting = requireNonNull(waiting, "waiting");
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    awaitRequest();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!answering && !partial) {
      partial = true;
      arm(limits.requestTimeout(), "request not complete");
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    waiting.remove(ctx.channel());
    ctx.fireChannelInactive();
  }

  /** The request is in: no deadline while it is answered, and no further reads. */
  void requestReceived() {
    answering = true;
    partial = false;
    cancel();
    ChannelHandlerContext c = requireNonNull(ctx, "ctx");
    waiting.remove(c.channel());
    c.channel().config().setAutoRead(false);
  }

  /** Whether a request is being answered (a second one on the connection is not served). */
  boolean answering() {
    return answering;
  }

  /** The answer is out and the connection stays open for the next request. */
  void responseSent() {
    answering = false;
    awaitRequest();
    requireNonNull(ctx, "ctx").channel().config().setAutoRead(true);
  }

  private void awaitRequest() {
    ChannelHandlerContext c = requireNonNull(ctx, "ctx");
    Channel evicted = waiting.add(c.channel());
    if (evicted != null) {
      LOG.atDebug().addKeyValue("remote", evicted.remoteAddress())
          .log("metrics: too many connections waiting for a request; closed the oldest");
    }
    arm(limits.idleTimeout(), "idle");
  }

  private void arm(Duration timeout, String why) {
    cancel();
    ChannelHandlerContext c = requireNonNull(ctx, "ctx");
    deadline = c.executor().schedule(() -> {
      LOG.atDebug().addKeyValue("remote", c.channel().remoteAddress()).log("metrics connection closed: {} after {} ms",
          why, timeout.toMillis());
      c.close();
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
