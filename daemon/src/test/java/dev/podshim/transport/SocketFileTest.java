package dev.podshim.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The removal rule on plain files: the server's socket is a file with a key like any other. */
class SocketFileTest {
  @TempDir Path dir;

  private SocketFile bound(Path path) throws Exception {
    SocketFile socket = new SocketFile(path);
    socket.prepare();
    Files.writeString(socket.bindPath(), "ours"); // what the server's bind creates
    socket.publish();
    return socket;
  }

  @Test
  void publishReplacesAStaleSocketWithOursInMode0660() throws Exception {
    Path path = dir.resolve("run/podshim.sock");
    Files.createDirectories(path.getParent());
    Files.writeString(path, "stale");

    SocketFile socket = bound(path);

    assertThat(path).hasContent("ours");
    assertThat(Files.getPosixFilePermissions(path)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    assertThat(socket.bindPath()).doesNotExist();
  }

  @Test
  void removesThePathWhileItIsStillOurs() throws Exception {
    Path path = dir.resolve("podshim.sock");
    SocketFile socket = bound(path);

    assertThat(socket.removeIfOurs()).isTrue();
    assertThat(path).doesNotExist();
    assertThat(socket.removeIfOurs()).as("already gone").isFalse();
  }

  @Test
  void leavesAPathAnotherDaemonHasTakenOver() throws Exception {
    Path path = dir.resolve("podshim.sock");
    SocketFile socket = bound(path);
    // as a daemon on another root would: ours unlinked but still alive (bound), theirs at the path
    Files.move(path, dir.resolve("ours-still-bound"));
    Files.writeString(path, "theirs");

    assertThat(socket.removeIfOurs()).isFalse();
    assertThat(path).hasContent("theirs");
  }

  @Test
  void aSocketNeverPublishedRemovesNothing() throws Exception {
    Path path = dir.resolve("podshim.sock");
    Files.writeString(path, "someone else's");

    assertThat(new SocketFile(path).removeIfOurs()).isFalse();
    assertThat(path).exists();
  }
}
