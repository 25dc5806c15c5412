package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded connection: dials the port in the pod through the backend and copies both ways
 * between the socket and the client's data stream. The client's end of input half-closes the
 * socket; the pod's end of output ends the forward (as containerd's does, the pod has answered).
 * A failed dial or copy is reported on the error stream in kubelet's JSON form and ends only this
 * forward, never the connection the client multiplexes it on.
 */
final class Forward {
  private static final Logger LOG = LoggerFactory.getLogger(Forward.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 32 * 1024;

  /** The client's side of the forward: its data stream and error stream. */
  interface ClientStreams {
    /** Writes to the data stream, blocking while the client does not read. */
    void write(byte[] data, int offset, int length) throws IOException;

    /** The pod closed its side: end the data stream. */
    void finishData();

    /** Reports a failure on the error stream. */
    void error(String json);

    /** The forward is over: close whatever is left of both streams. */
    void done();
  }

  private final StreamingBackend backend;
  private final String sandboxId;
  private final int port;
  private final ClientStreams client;
  private final Inbound toPod;
  private final AtomicBoolean over = new AtomicBoolean();
  private volatile @Nullable SocketChannel socket;
  private volatile boolean stopped;

  Forward(StreamingBackend backend, String sandboxId, int port, ClientStreams client, ReadThrottle throttle) {
    this.backend = requireNonNull(backend, "backend");
    this.sandboxId = requireNonNull(sandboxId, "sandboxId");
    this.port = port;
    this.client = requireNonNull(client, "client");
    this.toPod = new Inbound("forward-in-" + port, throttle);
  }

  /** kubelet's portForwardErrResponse, one JSON object and a newline as json.Encoder writes it. */
  static String errorJson(int port, String sandboxId, String cause) {
    var node = JSON.createObjectNode();
    node.put("closeConnection", true);
    node.put("message", "error forwarding port " + port + " to pod " + sandboxId + ", uid : " + cause);
    return node.toString() + "\n";
  }

  int port() {
    return port;
  }

  void start() {
    Thread.ofVirtual().name("forward-" + port).start(this::run);
  }

  /** Data from the client for the pod (event loop). */
  void fromClient(io.netty.buffer.ByteBuf data) {
    toPod.offer(data);
  }

  /** The client will send no more (event loop). */
  void clientDone() {
    toPod.end();
  }

  /** The client reset the stream or went away: drop everything. Any thread. */
  void stop() {
    stopped = true;
    toPod.stop();
    SocketChannel s = socket;
    if (s != null) {
      closeQuietly(s);
    }
    end();
  }

  private void run() {
    SocketChannel s;
    try {
      s = backend.dial(sandboxId, port);
    } catch (IOException | RuntimeException e) {
      LOG.atDebug().setCause(e).addKeyValue("port", port).log("port-forward dial failed");
      client.error(errorJson(port, sandboxId, message(e)));
      end();
      return;
    }
    socket = s;
    if (stopped) {
      closeQuietly(s);
      return;
    }
    toPod.start(new Inbound.Target() {
      @Override
      public void data(byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
          s.write(buffer);
        }
      }

      @Override
      public void end() throws IOException {
        s.shutdownOutput();
      }
    });
    byte[] buffer = new byte[BUFFER];
    ByteBuffer wrapped = ByteBuffer.wrap(buffer);
    try {
      while (true) {
        wrapped.clear();
        int n = s.read(wrapped);
        if (n < 0) {
          client.finishData();
          break;
        }
        client.write(buffer, 0, n);
      }
    } catch (IOException e) {
      if (!stopped) {
        LOG.atDebug().setCause(e).addKeyValue("port", port).log("port-forward copy failed");
      }
    } finally {
      toPod.stop();
      closeQuietly(s);
      end();
    }
  }

  private void end() {
    if (over.compareAndSet(false, true)) {
      client.done();
    }
  }

  private static String message(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void closeQuietly(SocketChannel s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }
}
