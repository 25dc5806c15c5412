package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer application without a registry: long names, replacements, hard links, refusals. */
class LayerUnpackerTest {
  @TempDir Path root;

  private long apply(TestTar tar) throws Exception {
    return LayerUnpacker.apply(new ByteArrayInputStream(tar.bytes()), root);
  }

  @Test
  void longNamesThroughPaxAndLaterEntriesReplaceEarlierOnes() throws Exception {
    String deep = "d/" + "x".repeat(120) + "/" + "y".repeat(120);
    long bytes = apply(new TestTar().file(deep, "deep").file("f", "one").file("f", "two").symlink("s", "f").file("s", "file now"));
    assertThat(Files.readString(root.resolve(deep))).isEqualTo("deep");
    assertThat(Files.readString(root.resolve("f"))).isEqualTo("two");
    assertThat(Files.isSymbolicLink(root.resolve("s"))).isFalse();
    assertThat(bytes).isEqualTo(4 + 3 + 3 + 8);
  }

  @Test
  void symlinksInsideTheRootAreFollowedForParents() throws Exception {
    apply(new TestTar().dir("real").symlink("alias", "real").file("alias/f", "via alias"));
    assertThat(Files.readString(root.resolve("real/f"))).isEqualTo("via alias");
  }

  @Test
  void hardLinkOutsideTheLayerOrToAMissingFileIsRefused() {
    assertThatThrownBy(() -> apply(new TestTar().hardlink("h", "../../etc/passwd")))
        .isInstanceOf(BadLayerException.class).hasMessageContaining("escapes");
    assertThatThrownBy(() -> apply(new TestTar().hardlink("h", "etc/passwd")))
        .isInstanceOf(BadLayerException.class).hasMessageContaining("not in this layer");
  }

  @Test
  void dotDotInsideTheRootIsFineLeavingItIsNot() throws Exception {
    apply(new TestTar().dir("a").file("a/../b", "b"));
    assertThat(Files.readString(root.resolve("b"))).isEqualTo("b");
    assertThatThrownBy(() -> apply(new TestTar().file("a/../../b", "b"))).isInstanceOf(BadLayerException.class);
    assertThatThrownBy(() -> apply(new TestTar().file("/../b", "b"))).isInstanceOf(BadLayerException.class);
  }

  @Test
  void absolutePathsAreTakenRelativeToTheRoot() throws Exception {
    apply(new TestTar().file("/etc/hostname", "layer"));
    assertThat(Files.readString(root.resolve("etc/hostname"))).isEqualTo("layer");
  }

  @Test
  void garbageIsNotATar() {
    byte[] truncated = new TestTar().file("f", "x".repeat(2000)).bytes();
    assertThatThrownBy(() -> LayerUnpacker.apply(new ByteArrayInputStream(java.util.Arrays.copyOf(truncated, 1000)), root))
        .isInstanceOf(java.io.IOException.class);
    byte[] junk = new byte[512];
    java.util.Arrays.fill(junk, (byte) 'q');
    assertThatThrownBy(() -> LayerUnpacker.apply(new ByteArrayInputStream(junk), root))
        .hasMessageContaining("not a tar stream");
  }
}
