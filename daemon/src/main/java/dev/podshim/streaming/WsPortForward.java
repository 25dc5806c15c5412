package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * portforward over WebSocket, as kubelet's portforward/websocket.go serves it: two channels per
 * port, data (2i) and error (2i+1), each opened by a message holding the port as two bytes
 * little-endian; one forwarded connection per port; the WebSocket closes when all have ended.
 */
final class WsPortForward implements WsConnection.Listener {
  private final StreamingBackend backend;
  private final StreamTarget.PortForward target;
  private final List<Integer> ports;
  private final List<Forward> forwards = new ArrayList<>();
  private final AtomicInteger running = new AtomicInteger();
  private WsConnection connection;

  WsPortForward(StreamingBackend backend, StreamTarget.PortForward target, List<Integer> ports) {
    this.backend = requireNonNull(backend, "backend");
    this.target = requireNonNull(target, "target");
    this.ports = List.copyOf(ports);
  }

  @Override
  public void opened(WsConnection connection) {
    this.connection = connection;
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      int data = 2 * i;
      int error = 2 * i + 1;
      byte[] portBytes = {(byte) port, (byte) (port >>> 8)};
      connection.writeNow(data, portBytes);
      connection.writeNow(error, portBytes);
      forwards.add(new Forward(backend, target.sandboxId(), port, new Forward.ClientStreams() {
        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
          connection.write(data, bytes, offset, length);
        }

        @Override
        public void finishData() {
          // a channel has no end of its own before v5; the WebSocket's close ends it
        }

        @Override
        public void error(String json) {
          connection.writeNow(error, json);
        }

        @Override
        public void done() {
          if (running.decrementAndGet() == 0) {
            connection.close();
          }
        }
      }, connection.throttle()));
    }
    running.set(forwards.size());
    forwards.forEach(Forward::start);
  }

  @Override
  public void message(int channel, ByteBuf data) {
    if (channel % 2 == 0 && channel / 2 < forwards.size()) {
      connection.session().bytesIn(data.readableBytes());
      forwards.get(channel / 2).fromClient(data);
    }
  }

  @Override
  public void channelClosed(int channel) {
    // port forwarding speaks no v5
  }

  @Override
  public void closed() {
    forwards.forEach(Forward::stop);
  }
}
