package dev.podshim.e2e.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of QEMU's machine protocol (QMP) on its unix socket: JSON lines, one answer per
 * command, with asynchronous events (STOP, RESUME…) interleaved and skipped. Used to save the
 * running VM and to quit QEMU cleanly.
 */
final class Qmp implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SocketChannel channel;
  private final BufferedReader in;
  private final Writer out;

  private Qmp(SocketChannel channel) throws IOException {
    this.channel = channel;
    this.in = new BufferedReader(Channels.newReader(channel, StandardCharsets.UTF_8));
    this.out = Channels.newWriter(channel, StandardCharsets.UTF_8);
    in.readLine(); // the greeting
    execute("qmp_capabilities", null);
  }

  /** Connects once QEMU has made its socket. */
  static Qmp connect(Path socket, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new Qmp(channel);
      } catch (IOException e) {
        channel.close();
        if (System.nanoTime() > deadline) {
          throw new IOException("no QMP socket at " + socket + " within " + timeout, e);
        }
        Thread.sleep(100);
      }
    }
  }

  /** A human monitor command (savevm has no plain QMP form in QEMU 7); returns what it printed. */
  String human(String commandLine) throws IOException {
    ObjectNode arguments = JsonNodeFactory.instance.objectNode().put("command-line", commandLine);
    return execute("human-monitor-command", arguments).asText();
  }

  JsonNode execute(String command, ObjectNode arguments) throws IOException {
    ObjectNode request = JsonNodeFactory.instance.objectNode().put("execute", command);
    if (arguments != null) {
      request.set("arguments", arguments);
    }
    out.write(JSON.writeValueAsString(request) + "\n");
    out.flush();
    for (String line; (line = in.readLine()) != null; ) {
      JsonNode answer = JSON.readTree(line);
      if (answer.has("error")) {
        throw new IOException("QMP " + command + ": " + answer.get("error"));
      }
      if (answer.has("return")) {
        return answer.get("return");
      }
    }
    throw new IOException("QMP " + command + ": QEMU closed the socket");
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
