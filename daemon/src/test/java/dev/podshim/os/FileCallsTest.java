package dev.podshim.os;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileCallsTest {

  @TempDir Path dir;

  @Test
  void mknodMakesDevicesAndFifosWithTheirModes() throws IOException {
    Path dev = dir.resolve("null");
    Path fifo = dir.resolve("pipe");

    FileCalls.mknod(dev, FileCalls.S_IFCHR, 0600, 1, 3);
    FileCalls.mknod(fifo, FileCalls.S_IFIFO, 0600, 0, 0);

    assertThat(attribute(dev, "unix:mode")).isEqualTo(FileCalls.S_IFCHR | 0600);
    assertThat(attribute(dev, "unix:rdev")).isEqualTo(FileCalls.makedev(1, 3));
    assertThat(attribute(fifo, "unix:mode")).isEqualTo(FileCalls.S_IFIFO | 0600);
  }

  @Test
  void makedevMatchesGlibcEncoding() {
    assertThat(FileCalls.makedev(1, 3)).isEqualTo(0x103L);
    assertThat(FileCalls.makedev(0x1234, 0x56789)).isEqualTo(0x0000_1000_5672_3489L);
  }

  @Test
  void chmodKeepsSpecialBitsAndLchownChangesTheLinkItself() throws IOException {
    Path file = Files.createFile(dir.resolve("file"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), file);

    FileCalls.chmod(file, 04755);
    FileCalls.lchown(link, 1234, 5678);

    assertThat(attribute(file, "unix:mode")).isEqualTo(0100000 | 04755);
    assertThat(attribute(link, "unix:uid")).isEqualTo(1234);
    assertThat(attribute(link, "unix:gid")).isEqualTo(5678);
    assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(0);
  }

  @Test
  void xattrsRoundTripAndAMissingOneIsEmpty() throws IOException {
    Path d = Files.createDirectory(dir.resolve("d"));

    FileCalls.lsetxattr(d, "trusted.overlay.opaque", "y".getBytes(US_ASCII));

    assertThat(FileCalls.lgetxattr(d, "trusted.overlay.opaque"))
        .hasValueSatisfying(v -> assertThat(new String(v, US_ASCII)).isEqualTo("y"));
    assertThat(FileCalls.lgetxattr(d, "trusted.none")).isEmpty();
  }

  @Test
  void lutimesSetsTheTimeOfASymlinkItself() throws IOException {
    Path file = Files.createFile(dir.resolve("file"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), file);
    long before = Files.getLastModifiedTime(file).toMillis();

    FileCalls.lutimes(link, 1_700_000_000L, 500_000_000L);

    assertThat(Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toMillis())
        .isEqualTo(1_700_000_000_500L);
    assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(before);
  }

  @Test
  void allocatedBytesCountsBlocks() throws IOException {
    Path file = Files.write(dir.resolve("file"), new byte[10_000]);

    assertThat(FileCalls.allocatedBytes(file)).isGreaterThanOrEqualTo(10_000);
    assertThat(FileCalls.allocatedBytes(Files.createFile(dir.resolve("empty")))).isZero();
  }

  @Test
  void aFailureNamesTheCallThePathAndTheErrno() {
    Path missing = dir.resolve("missing/node");

    assertThatThrownBy(() -> FileCalls.mknod(missing, FileCalls.S_IFCHR, 0, 0, 0))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT))
        .hasMessage("mknod " + missing + ": No such file or directory");
  }

  private static Object attribute(Path p, String name) throws IOException {
    return Files.getAttribute(p, name, LinkOption.NOFOLLOW_LINKS);
  }
}
