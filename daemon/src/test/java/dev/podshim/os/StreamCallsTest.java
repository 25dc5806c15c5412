package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calls the streaming sessions make: seqpacket connect errors, control-fifo writes, group signals. */
class StreamCallsTest {
  @TempDir Path dir;

  @Test
  void connectNamesTheMissingSocketEvenBeyondSunPathLength() {
    Path shortPath = dir.resolve("attach");
    assertThatThrownBy(() -> UnixSeqpacket.connect(shortPath)).isInstanceOfSatisfying(OsException.class,
        e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT));
    Path deep = dir.resolve("d".repeat(120));
    assertThat(deep.resolve("attach").toString().length()).isGreaterThan(108);
    assertThatThrownBy(() -> UnixSeqpacket.connect(deep.resolve("attach"))).isInstanceOfSatisfying(
        OsException.class, e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT));
  }

  @Test
  void connectToASocketNobodyListensOnIsRefused() throws Exception {
    Path socket = dir.resolve("gone");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists(); // closing the listener leaves the file, as a dead conmon does
    assertThatThrownBy(() -> UnixSeqpacket.connect(socket)).isInstanceOf(OsException.class)
        .hasMessageContaining("Connection refused");
  }

  @Test
  void fifoWritesOnlyWhenSomeoneReads() throws Exception {
    Path fifo = dir.resolve("ctl");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(mkfifo.waitFor()).isZero();
    byte[] line = "1 40 100\n".getBytes(StandardCharsets.US_ASCII);
    assertThat(Fifo.writeIfRead(fifo, line)).as("no reader: no blocking, nothing written").isFalse();
    assertThat(Fifo.writeIfRead(dir.resolve("missing"), line)).isFalse();
    try (RandomAccessFile reader = new RandomAccessFile(fifo.toFile(), "rw")) { // O_RDWR never blocks
      assertThat(Fifo.writeIfRead(fifo, line)).isTrue();
      byte[] got = new byte[line.length];
      reader.readFully(got);
      assertThat(got).isEqualTo(line);
    }
    assertThat(Files.exists(fifo)).isTrue();
  }

  @Test
  void processGroupRefusesTheSpecialGroupIds() {
    assertThatThrownBy(() -> ProcessGroup.signal(1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcessGroup.signal(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(ProcessGroup.signal(Integer.MAX_VALUE, 0)).as("no such group").isFalse();
  }
}
