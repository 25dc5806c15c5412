package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * portforward.k8s.io over SPDY, as kubelet's portforward/httpstream.go serves it: for each
 * connection it forwards, the client opens an {@code error} and a {@code data} stream carrying
 * the same {@code port} and {@code requestID} headers; once both are there the port is dialled
 * and copied. Any number of forwards share the connection. A stream without a valid port or
 * type is reset; a pair not complete within the creation timeout is reported and dropped. When
 * the PortForward request named ports, only those may be forwarded (kubelet's SPDY path does not
 * check; kubelet sends none, so this only narrows what a URL naming ports allows).
 */
final class SpdyPortForward implements SpdyConnection.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForward.class);
  /** Forwards open at once on one connection; a client opening more gets them refused. */
  static final int MAX_PAIRS = 512;

  private final StreamingBackend backend;
  private final StreamTarget.PortForward target;
  private final Duration creationTimeout;
  private final Map<String, Pair> pairs = new HashMap<>();
  private final Map<Integer, Pair> byStream = new HashMap<>();
  private SpdyConnection connection;

  /** Both streams of one forwarded connection. Fields are touched on the event loop only. */
  private final class Pair {
    final String requestId;
    final int port;
    final Forward forward;
    int dataStream;
    int errorStream;
    boolean started;

    Pair(String requestId, int port) {
      this.requestId = requestId;
      this.port = port;
      this.forward = new Forward(backend, target.sandboxId(), port, new Forward.ClientStreams() {
        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
          connection.write(dataStream, data, offset, length);
        }

        @Override
        public void finishData() {
          connection.finish(dataStream);
        }

        @Override
        public void error(String json) {
          connection.writeNow(errorStream, json);
        }

        @Override
        public void done() {
          connection.channel().eventLoop().execute(() -> finishPair(Pair.this));
        }
      }, connection.throttle());
    }
  }

  SpdyPortForward(StreamingBackend backend, StreamTarget.PortForward target, Duration creationTimeout) {
    this.backend = requireNonNull(backend, "backend");
    this.target = requireNonNull(target, "target");
    this.creationTimeout = requireNonNull(creationTimeout, "creationTimeout");
  }

  @Override
  public void opened(SpdyConnection connection) {
    this.connection = connection;
  }

  @Override
  public void streamOpened(int streamId, SpdyHeaders headers, boolean clientDone) {
    String portText = String.valueOf(headers.getAsString("port"));
    String type = String.valueOf(headers.getAsString(SpdyConnection.STREAM_TYPE));
    int port = parsePort(portText);
    if (port < 1 || !(type.equals("data") || type.equals("error"))) {
      LOG.atDebug().addKeyValue("port", portText).addKeyValue("stream_type", type).log("port-forward stream refused");
      connection.reset(streamId, SpdyStreamStatus.PROTOCOL_ERROR);
      return;
    }
    String requestId = headers.getAsString("requestid");
    if (requestId == null || requestId.isEmpty()) {
      // old clients send no requestID; kubelet pairs their consecutive stream ids
      requestId = Integer.toString(type.equals("error") ? streamId : streamId - 2);
    }
    Pair pair = pairs.get(requestId);
    if (pair == null) {
      if (pairs.size() >= MAX_PAIRS) {
        connection.reset(streamId, SpdyStreamStatus.REFUSED_STREAM);
        return;
      }
      pair = new Pair(requestId, port);
      pairs.put(requestId, pair);
      Pair created = pair;
      connection.channel().eventLoop().schedule(() -> expire(created),
          creationTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
    boolean duplicate = type.equals("data") ? pair.dataStream != 0 : pair.errorStream != 0;
    if (duplicate || pair.port != port) {
      connection.reset(streamId, SpdyStreamStatus.PROTOCOL_ERROR);
      return;
    }
    if (type.equals("data")) {
      pair.dataStream = streamId;
    } else {
      pair.errorStream = streamId;
    }
    byStream.put(streamId, pair);
    connection.reply(streamId, type);
    if (pair.dataStream != 0 && pair.errorStream != 0) {
      begin(pair);
    }
    if (clientDone) {
      data(streamId, io.netty.buffer.Unpooled.EMPTY_BUFFER, true);
    }
  }

  private void begin(Pair pair) {
    if (!target.ports().isEmpty() && !target.ports().contains(pair.port)) {
      connection.writeNow(pair.errorStream, Forward.errorJson(pair.port, target.sandboxId(),
          "port " + pair.port + " is not among the ports of this port-forward request " + target.ports()));
      pair.forward.stop();
      finishPair(pair);
      return;
    }
    pair.started = true;
    pair.forward.start();
  }

  /** Ends both streams (FIN; a stream already finished takes the extra FIN as a no-op) and forgets the pair. */
  private void finishPair(Pair pair) {
    if (pairs.remove(pair.requestId, pair)) {
      connection.finish(pair.dataStream);
      connection.finish(pair.errorStream);
      byStream.remove(pair.dataStream);
      byStream.remove(pair.errorStream);
    }
  }

  private void expire(Pair pair) {
    if (!pair.started && pairs.get(pair.requestId) == pair) {
      pair.forward.stop();
      if (pair.errorStream != 0) {
        connection.writeNow(pair.errorStream, Forward.errorJson(pair.port, target.sandboxId(),
            "timed out waiting for the data and error streams of request " + pair.requestId));
      }
      pairs.remove(pair.requestId);
      byStream.remove(pair.dataStream);
      byStream.remove(pair.errorStream);
      connection.reset(pair.dataStream, SpdyStreamStatus.CANCEL);
      connection.reset(pair.errorStream, SpdyStreamStatus.CANCEL);
    }
  }

  @Override
  public void data(int streamId, ByteBuf data, boolean last) {
    Pair pair = byStream.get(streamId);
    if (pair == null || streamId != pair.dataStream) {
      return; // the error stream carries nothing from the client
    }
    connection.session().bytesIn(data.readableBytes());
    pair.forward.fromClient(data);
    if (last) {
      pair.forward.clientDone();
    }
  }

  @Override
  public void reset(int streamId) {
    Pair pair = byStream.get(streamId);
    if (pair != null && streamId == pair.dataStream) {
      pair.forward.stop();
      pairs.remove(pair.requestId, pair);
      byStream.remove(pair.dataStream);
      byStream.remove(pair.errorStream);
    }
  }

  @Override
  public void closed() {
    for (Pair pair : pairs.values()) {
      pair.forward.stop();
    }
    pairs.clear();
    byStream.clear();
  }

  private static int parsePort(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535 ? port : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
