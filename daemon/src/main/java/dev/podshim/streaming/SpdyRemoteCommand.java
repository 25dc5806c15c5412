package dev.podshim.streaming;

import static java.util.Objects.requireNonNull;

import dev.podshim.container.OutputSink;
import dev.podshim.container.StreamOptions;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.spdy.SpdyHeaders;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * remotecommand over SPDY, as kubelet's httpstream.go serves it: the client opens one stream per
 * stdio it asked for plus {@code error} (and {@code resize} with a terminal, from v3), each
 * named by its {@code streamType} header; once all are there (or the creation timeout passes)
 * the command starts. On exit v4 writes a metav1.Status to the error stream, older versions the
 * failure's message; then the streams and the connection close.
 */
final class SpdyRemoteCommand implements SpdyConnection.Listener, RemoteCommand.Wire {
  private static final Logger LOG = LoggerFactory.getLogger(SpdyRemoteCommand.class);

  private final RemoteCommand command;
  private final String protocol;
  private final Duration creationTimeout;
  private final int expected;
  private SpdyConnection connection;
  private int replied;
  private boolean started;
  private volatile int errorStream;
  private volatile int stdinStream;
  private volatile int stdoutStream;
  private volatile int stderrStream;
  private volatile int resizeStream;

  SpdyRemoteCommand(RemoteCommand command, String protocol, Duration creationTimeout) {
    this.command = requireNonNull(command, "command");
    this.protocol = requireNonNull(protocol, "protocol");
    this.creationTimeout = requireNonNull(creationTimeout, "creationTimeout");
    StreamOptions o = command.options();
    boolean resizes = o.tty() && !protocol.equals(SpdyProtocols.V2) && !protocol.equals(SpdyProtocols.V1);
    this.expected = 1 + (o.stdin() ? 1 : 0) + (o.stdout() ? 1 : 0) + (o.stderr() ? 1 : 0) + (resizes ? 1 : 0);
  }

  @Override
  public void opened(SpdyConnection connection) {
    this.connection = connection;
    connection.channel().eventLoop().schedule(() -> {
      if (!started) {
        LOG.atInfo().addKeyValue("expected", expected).addKeyValue("received", replied)
            .log("timed out waiting for the client to create streams");
        connection.session().outcome(Outcome.TIMEOUT);
        connection.close();
      }
    }, creationTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void streamOpened(int streamId, SpdyHeaders headers, boolean clientDone) {
    String type = String.valueOf(headers.getAsString(SpdyConnection.STREAM_TYPE));
    boolean known = true;
    switch (type) {
      case "error" -> errorStream = streamId;
      case "stdin" -> stdinStream = streamId;
      case "stdout" -> stdoutStream = streamId;
      case "stderr" -> stderrStream = streamId;
      case "resize" -> resizeStream = streamId;
      default -> {
        known = false;
        LOG.atDebug().addKeyValue("stream_type", type).log("unexpected stream type; ignored");
      }
    }
    connection.reply(streamId, type);
    if (clientDone && streamId == stdinStream) {
      command.stdinEnd();
    }
    if (known && !started && ++replied == expected) {
      started = true;
      command.start(this);
    }
  }

  @Override
  public void data(int streamId, ByteBuf data, boolean last) {
    if (streamId == 0) {
      return;
    }
    if (streamId == stdinStream) {
      command.stdin(data);
      if (last) {
        command.stdinEnd();
      }
    } else if (streamId == resizeStream) {
      command.resize(data);
    }
  }

  @Override
  public void reset(int streamId) {
    if (streamId != 0 && streamId == stdinStream) {
      command.stdinEnd();
    }
  }

  @Override
  public void closed() {
    command.connectionClosed();
  }

  @Override
  public OutputSink sink() {
    return new OutputSink() {
      @Override
      public void stdout(byte[] data, int offset, int length) throws IOException {
        send(stdoutStream, data, offset, length);
      }

      @Override
      public void stderr(byte[] data, int offset, int length) throws IOException {
        send(stderrStream, data, offset, length);
      }
    };
  }

  private void send(int stream, byte[] data, int offset, int length) throws IOException {
    if (stream != 0) {
      connection.write(stream, data, offset, length);
    } else if (!connection.channel().isActive()) {
      throw new IOException("the streaming client went away");
    }
  }

  @Override
  public void finish(ExitStatus status) {
    int error = errorStream;
    if (error != 0) {
      String report = protocol.equals(SpdyProtocols.V4) ? status.json() : status.text();
      if (report != null) {
        connection.writeNow(error, report);
      }
    }
    connection.finish(stdoutStream);
    connection.finish(stderrStream);
    connection.finish(error);
    // the client's halves of stdin and resize are all that is left open: cancel them, as
    // kubelet resets every stream, so the client's stream bookkeeping ends
    connection.reset(stdinStream, SpdyStreamStatus.CANCEL);
    connection.reset(resizeStream, SpdyStreamStatus.CANCEL);
    connection.close();
  }

  @Override
  public void abort() {
    connection.close();
  }
}
