package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.OutputSink;
import dev.podshim.container.StreamOptions;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * remotecommand over WebSocket, as kubelet's remotecommand/websocket.go serves it: channels 0
 * stdin, 1 stdout, 2 stderr, 3 error, 4 resize, all there from the start. Once the handshake is
 * answered the server sends an empty message on the lowest channel it writes (stdout, else
 * stderr, else error) to tell the client it is connected, then starts the command. v5 adds the
 * close signal, by which the client ends stdin; before v5 stdin ends with the connection.
 */
final class WsRemoteCommand implements WsConnection.Listener, RemoteCommand.Wire {
  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;
  static final int ERROR = 3;
  static final int RESIZE = 4;

  private final RemoteCommand command;
  private final String protocol;
  private WsConnection connection;

  WsRemoteCommand(RemoteCommand command, String protocol) {
    this.command = requireNonNull(command, "command");
    this.protocol = requireNonNull(protocol, "protocol");
  }

  @Override
  public void opened(WsConnection connection) {
    this.connection = connection;
    StreamOptions o = command.options();
    connection.writeNow(o.stdout() ? STDOUT : o.stderr() ? STDERR : ERROR, new byte[0]);
    command.start(this);
  }

  @Override
  public void message(int channel, ByteBuf data) {
    switch (channel) {
      case STDIN -> command.stdin(data);
      case RESIZE -> command.resize(data);
      default -> {
        // the client has nothing to say on the others
      }
    }
  }

  @Override
  public void channelClosed(int channel) {
    if (channel == STDIN) {
      command.stdinEnd();
    }
  }

  @Override
  public void closed() {
    command.connectionClosed();
  }

  @Override
  public OutputSink sink() {
    StreamOptions o = command.options();
    return new OutputSink() {
      @Override
      public void stdout(byte[] data, int offset, int length) throws IOException {
        send(o.stdout(), STDOUT, data, offset, length);
      }

      @Override
      public void stderr(byte[] data, int offset, int length) throws IOException {
        send(o.stderr(), STDERR, data, offset, length);
      }
    };
  }

  private void send(boolean wanted, int channel, byte[] data, int offset, int length) throws IOException {
    if (wanted) {
      connection.write(channel, data, offset, length);
    } else if (!connection.channel().isActive()) {
      throw new IOException("the streaming client went away");
    }
  }

  @Override
  public void finish(ExitStatus status) {
    String report = WsProtocols.jsonStatus(protocol) ? status.json() : status.text();
    if (report != null) {
      connection.writeNow(ERROR, report);
    }
    connection.close();
  }

  @Override
  public void abort() {
    connection.close();
  }
}
