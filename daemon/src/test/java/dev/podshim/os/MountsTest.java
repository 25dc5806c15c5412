package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountsTest {

  @TempDir Path dir;

  @AfterEach
  void unmountLeftovers() {
    TestSupport.unmountAllUnder(dir);
  }

  @Test
  void bindMountsADirectoryAndUnmountRemovesIt() throws IOException {
    Path source = Files.createDirectory(dir.resolve("source"));
    Files.writeString(source.resolve("hello"), "hi");
    Path target = Files.createDirectory(dir.resolve("target"));

    Mounts.bind(source, target);

    assertThat(Mounts.isMountPoint(target)).isTrue();
    assertThat(target.resolve("hello")).hasContent("hi");

    Mounts.unmount(target);

    assertThat(Mounts.isMountPoint(target)).isFalse();
    assertThat(target.resolve("hello")).doesNotExist();
  }

  @Test
  void theKernelsAnswerAgreesWithMountinfo() throws IOException {
    Path dirSource = Files.createDirectory(dir.resolve("dir-source"));
    Path dirTarget = Files.createDirectory(dir.resolve("dir-target"));
    Path fileSource = Files.writeString(dir.resolve("file-source"), "x");
    Path fileTarget = Files.createFile(dir.resolve("file-target")); // as a namespace pin is mounted
    Path stacked = Files.createDirectory(dir.resolve("stacked"));
    Mounts.bind(dirSource, dirTarget);
    Mounts.bind(fileSource, fileTarget);
    Mounts.bind(dirSource, stacked);
    Mounts.bind(dirSource, stacked);

    for (Path p : List.of(dirTarget, fileTarget, stacked, dirSource, fileSource, dir, Path.of("/"),
        Path.of("/proc"), dir.resolve("missing"))) {
      assertThat(Mounts.isMountPoint(p)).as(p.toString()).isEqualTo(Mounts.isListedMountPoint(p.toString()));
    }
    Mounts.unmount(stacked);
    assertThat(Mounts.isMountPoint(stacked)).as("the mount below shows once the top one goes").isTrue();
    Mounts.unmount(stacked);
    assertThat(Mounts.isMountPoint(stacked)).isFalse();
  }

  @Test
  void bindMountsAFileOntoAFile() throws IOException {
    Path source = Files.writeString(dir.resolve("source"), "content");
    Path target = Files.createFile(dir.resolve("target"));

    Mounts.bind(source, target);

    assertThat(Mounts.isMountPoint(target)).isTrue();
    assertThat(target).hasContent("content");
    Mounts.unmount(target);
    assertThat(target).isEmptyFile();
  }

  @Test
  void aReadOnlyOverlayShowsItsLowerDirsAndRefusesWrites() throws IOException {
    Path bottom = Files.createDirectory(dir.resolve("bottom"));
    Files.writeString(bottom.resolve("shadowed"), "bottom");
    Path top = Files.createDirectory(dir.resolve("top"));
    Files.writeString(top.resolve("shadowed"), "top");
    Path target = Files.createDirectory(dir.resolve("target"));

    Mounts.readOnlyOverlay(target, List.of(top, bottom));

    assertThat(target.resolve("shadowed")).hasContent("top");
    assertThatThrownBy(() -> Files.writeString(target.resolve("new"), "x"))
        .isInstanceOf(java.nio.file.FileSystemException.class).hasMessageContaining("Read-only file system");
    assertThatThrownBy(() -> Mounts.readOnlyOverlay(target, List.of(top)))
        .isInstanceOf(IllegalArgumentException.class);
    Mounts.unmount(target);
    assertThat(top.resolve("new")).doesNotExist();
  }

  @Test
  void mountsAnOverlayWhoseTopmostLowerDirWins() throws IOException {
    Path bottom = Files.createDirectory(dir.resolve("bottom"));
    Files.writeString(bottom.resolve("from-bottom"), "bottom");
    Files.writeString(bottom.resolve("shadowed"), "bottom");
    Path top = Files.createDirectory(dir.resolve("top"));
    Files.writeString(top.resolve("shadowed"), "top");
    Path upper = Files.createDirectory(dir.resolve("upper"));
    Path work = Files.createDirectory(dir.resolve("work"));
    Path target = Files.createDirectory(dir.resolve("target"));

    Mounts.overlay(target, List.of(top, bottom), upper, work);

    assertThat(Mounts.isMountPoint(target)).isTrue();
    assertThat(target.resolve("from-bottom")).hasContent("bottom");
    assertThat(target.resolve("shadowed")).hasContent("top");
    Files.writeString(target.resolve("written"), "upper");
    assertThat(upper.resolve("written")).hasContent("upper");
    assertThat(top.resolve("written")).doesNotExist();
    Mounts.unmount(target);
    assertThat(Mounts.isMountPoint(target)).isFalse();
  }

  @Test
  void stacksMoreLowerDirsThanOneOptionPageHolds() throws IOException {
    List<Path> lowersTopFirst = new ArrayList<>();
    for (int i = 0; i < 150; i++) { // 150 paths of ~100 bytes: 15 KB of lowerdir= on a 4 KB page
      Path lower = Files.createDirectories(dir.resolve("layers").resolve(("%064d").formatted(i)));
      Files.writeString(lower.resolve("layer-" + i), Integer.toString(i));
      Files.writeString(lower.resolve("top"), Integer.toString(i));
      lowersTopFirst.addFirst(lower);
    }
    Path target = Files.createDirectory(dir.resolve("target"));

    Mounts.overlay(target, lowersTopFirst, Files.createDirectory(dir.resolve("upper")),
        Files.createDirectory(dir.resolve("work")));

    try {
      assertThat(target.resolve("layer-0")).hasContent("0");
      assertThat(target.resolve("layer-149")).hasContent("149");
      assertThat(target.resolve("top")).hasContent("149");
    } finally {
      Mounts.unmount(target);
    }
  }

  @Test
  void aMissingLowerDirIsNamedInTheError() throws IOException {
    Path target = Files.createDirectory(dir.resolve("target"));
    Path missing = dir.resolve("missing");

    assertThatThrownBy(() -> Mounts.overlay(target, List.of(missing),
            Files.createDirectory(dir.resolve("upper")), Files.createDirectory(dir.resolve("work"))))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT))
        .hasMessageStartingWith("mount -t overlay " + target + ": ")
        .hasMessageContaining(missing.toString());
    assertThat(Mounts.isMountPoint(target)).isFalse();
  }

  @Test
  void theOptionStringMountOfOlderKernelsNamesTheTargetAndTheErrno() throws IOException {
    Path lower = Files.createDirectory(dir.resolve("lower"));
    Path target = Files.createDirectory(dir.resolve("target"));

    Files.writeString(lower.resolve("from-lower"), "lower");
    Mounts.overlayWithOptions(target, "lowerdir=" + lower + ",upperdir="
        + Files.createDirectory(dir.resolve("upper")) + ",workdir="
        + Files.createDirectory(dir.resolve("work")));
    assertThat(target.resolve("from-lower")).hasContent("lower");
    assertThat(Mounts.isMountPoint(target)).isTrue();
    Mounts.unmount(target);

    assertThatThrownBy(() -> Mounts.overlayWithOptions(target, "lowerdir=" + dir.resolve("missing")))
        .isInstanceOf(OsException.class)
        .hasMessageStartingWith("mount -t overlay " + target + ": ");
  }

  @Test
  void unmountIsIdempotent() throws IOException {
    Path source = Files.createDirectory(dir.resolve("source"));
    Path target = Files.createDirectory(dir.resolve("target"));
    Mounts.bind(source, target);

    Mounts.unmount(target);
    Mounts.unmount(target); // not mounted any more: EINVAL
    Mounts.unmount(dir.resolve("missing")); // ENOENT

    assertThat(Mounts.isMountPoint(target)).isFalse();
  }

  @Test
  void findsMountPointsWhosePathsTheKernelEscapes() throws IOException {
    Path source = Files.createDirectory(dir.resolve("source"));
    Path target = Files.createDirectory(dir.resolve("with space\tand\\backslash"));

    Mounts.bind(source, target);

    assertThat(Mounts.isMountPoint(target)).isTrue();
    assertThat(TestSupport.mountsUnder(dir)).containsExactly(target.toRealPath().toString());
  }

  @Test
  void resolvesSymlinksInTheParentButNotTheLastComponent() throws IOException {
    Path real = Files.createDirectory(dir.resolve("real"));
    Path source = Files.createDirectory(dir.resolve("source"));
    Path target = Files.createDirectory(real.resolve("target"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    Path linkToTarget = Files.createSymbolicLink(dir.resolve("link-to-target"), target);

    Mounts.bind(source, target);

    assertThat(Mounts.isMountPoint(link.resolve("target"))).isTrue();
    assertThat(Mounts.isMountPoint(linkToTarget)).isFalse();
  }

  @Test
  void knowsWellKnownMountPoints() {
    assertThat(Mounts.isMountPoint(Path.of("/"))).isTrue();
    assertThat(Mounts.isMountPoint(Path.of("/proc"))).isTrue();
    assertThat(Mounts.isMountPoint(dir.resolve("nothing-here"))).isFalse();
  }

  @Test
  void bindOfAMissingSourceNamesItAndTheErrno() throws IOException {
    Path missing = dir.resolve("missing");
    Path target = Files.createDirectory(dir.resolve("target"));

    assertThatThrownBy(() -> Mounts.bind(missing, target))
        .isInstanceOfSatisfying(OsException.class,
            e -> assertThat(e.errno()).isEqualTo(OsException.ENOENT))
        .hasMessageContaining("mount")
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("No such file or directory");
  }

  @Test
  void unescapesMountinfoFields() {
    String line =
        "36 35 98:0 /mnt1 /a\\040b\\011c\\134d\\012e rw,noatime master:1 - ext3 /dev/root rw";

    assertThat(Mounts.mountPoint(line)).isEqualTo("/a b\tc\\d\ne");
    assertThat(Mounts.mountPoint("36 35 98:0 / /x\\04 rw - ext3 /dev/root rw")).isEqualTo("/x\\04");
    assertThat(Mounts.mountPoint("garbage")).isNull();
  }
}
