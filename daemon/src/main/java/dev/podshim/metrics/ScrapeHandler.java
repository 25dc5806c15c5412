package dev.podshim.metrics;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one connection's requests: {@code GET} and {@code HEAD} of {@code /metrics} with the
 * shared scrape text, 404 and 405 for anything else. A scrape waits for a slot on a virtual
 * thread, never on the event loop, at most {@link Scrapes#slotWait} from its arrival, and then
 * gets 503; the slot is held until the body is written, so at most that many bodies are in flight.
 */
final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(ScrapeHandler.class);
  private static final String PATH = "/metrics";
  private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final byte[] BUSY = "too many concurrent scrapes, retry later\n".getBytes(StandardCharsets.UTF_8);

  /** What every connection's handler shares: the rendered text and the slots to send it. */
  record Scrapes(ScrapeCache cache, Semaphore slots, Duration slotWait) {
    Scrapes {
      requireNonNull(cache, "cache");
      requireNonNull(slots, "slots");
      requireNonNull(slotWait, "slotWait");
    }
  }

  private final Scrapes scrapes;
  private final RequestTimeouts timeouts;

  ScrapeHandler(Scrapes scrapes, RequestTimeouts timeouts) {
    this.scrapes = requireNonNull(scrapes, "scrapes");
    this.timeouts = requireNonNull(timeouts, "timeouts");
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (timeouts.answering()) {
      ctx.close(); // a pipelined request: the answer to the first is still being made
      return;
    }
    timeouts.requestReceived();
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, status(HttpResponseStatus.BAD_REQUEST), false);
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!new QueryStringDecoder(request.uri()).path().equals(PATH)) {
      respond(ctx, status(HttpResponseStatus.NOT_FOUND), keepAlive);
      return;
    }
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse notAllowed = status(HttpResponseStatus.METHOD_NOT_ALLOWED);
      notAllowed.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      respond(ctx, notAllowed, keepAlive);
      return;
    }
    long arrived = System.nanoTime();
    boolean head = method.equals(HttpMethod.HEAD);
    Thread.ofVirtual().name("metrics-scrape").start(() -> scrape(ctx, head, keepAlive, arrived));
  }

  private void scrape(ChannelHandlerContext ctx, boolean head, boolean keepAlive, long arrived) {
    long waitNanos = scrapes.slotWait().toNanos() - (System.nanoTime() - arrived);
    try {
      if (!scrapes.slots().tryAcquire(Math.max(0, waitNanos), TimeUnit.NANOSECONDS)) {
        respond(ctx, busy(), keepAlive);
        return;
      }
    } catch (InterruptedException e) {
      ctx.close();
      return;
    }
    FullHttpResponse response;
    try {
      byte[] body = scrapes.cache().body();
      // the shared text itself, not a copy per connection
      response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    } catch (RuntimeException e) {
      LOG.atWarn().setCause(e).log("metrics scrape failed");
      response = status(HttpResponseStatus.INTERNAL_SERVER_ERROR);
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response).addListener(f -> {
      scrapes.slots().release();
      afterResponse(ctx, keepAlive, f.isSuccess());
    });
  }

  private void respond(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response).addListener(f -> afterResponse(ctx, keepAlive, f.isSuccess()));
  }

  /** Runs on the event loop, as write listeners do. */
  private void afterResponse(ChannelHandlerContext ctx, boolean keepAlive, boolean written) {
    if (keepAlive && written && ctx.channel().isActive()) {
      timeouts.responseSent();
    } else {
      ctx.close();
    }
  }

  private static FullHttpResponse status(HttpResponseStatus status) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return response;
  }

  private static FullHttpResponse busy() {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(BUSY));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.RETRY_AFTER, "1")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, BUSY.length);
    return response;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.atDebug().setCause(cause).log("metrics connection failed");
    ctx.close();
  }
}
