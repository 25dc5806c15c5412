package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.RegistryConfig;
import dev.podshim.errors.CriException;
import dev.podshim.os.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One read-only mount per image, counted by holders, against a real store pulled from a real registry. */
class ImageVolumesTest {
  @TempDir static Path shared;
  static RegistryFixture registry;
  static String twoLayers;
  static String oneLayer;

  @TempDir Path root;
  ImageService images;
  ImageVolumes volumes;

  @BeforeAll
  static void push() throws Exception {
    registry = RegistryFixture.start(shared.resolve("registry"));
    registry.push("test/two", "1", ImagePullTest.twoLayers("volume"));
    registry.push("test/one", "1", TestImage.builder().layer(new TestTar().dir("only").file("only/f", "one")).build());
    twoLayers = registry.host() + "/test/two:1";
    oneLayer = registry.host() + "/test/one:1";
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    registry.close();
  }

  @BeforeEach
  void pull() throws Exception {
    images = ImageService.open(root, RegistryConfig.empty());
    for (String ref : new String[] {twoLayers, oneLayer}) {
      images.pull(ImageReference.parse(ref), PullAuth.NONE);
    }
    volumes = images.volumes();
  }

  @AfterEach
  void noMountLeft() throws Exception {
    volumes.retainOnly(Set.of());
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(root.toString());
  }

  @Test
  void holdersShareOneMountThatTheLastReleaseTakesAway() throws Exception {
    Path a = volumes.acquire(twoLayers, "a");
    assertThat(volumes.acquire(twoLayers, "a")).as("again for the same holder").isEqualTo(a);
    Path b = volumes.acquire(images.status(twoLayers).orElseThrow().id(), "b");
    assertThat(b).as("by id: the same volume").isEqualTo(a);
    assertThat(a.resolve("etc/marker")).hasContent("volume");
    assertThat(a.resolve("data/volume")).as("the second layer").hasContent("volume");
    String id = images.status(twoLayers).orElseThrow().id();
    assertThat(volumes.holdersOf(id)).containsExactly("a", "b");

    volumes.release("a");
    assertThat(Mounts.isMountPoint(a)).isTrue();
    volumes.release("b");
    assertThat(Mounts.isMountPoint(a)).isFalse();
    assertThat(a.getParent()).doesNotExist();
    assertThat(volumes.holdersOf(id)).isEmpty();
  }

  @Test
  void aOneLayerImageMountsReadOnlyToo() {
    Path volume = volumes.acquire(oneLayer, "c");
    assertThat(volume.resolve("only/f")).hasContent("one");
    assertThatThrownBy(() -> Files.writeString(volume.resolve("only/new"), "x"))
        .hasMessageContaining("Read-only file system");
  }

  @Test
  void anUnknownImageIsNotFoundAndLeavesNothing() throws Exception {
    assertThatThrownBy(() -> volumes.acquire(registry.host() + "/test/none:1", "d"))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.NOT_FOUND));
    assertThat(root.resolve("images/volumes")).satisfiesAnyOf(
        p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());
  }

  @Test
  void removingTheImageIsRefusedWhileHeldAndItsLayersStay() {
    volumes.acquire(twoLayers, "e");
    assertThatThrownBy(() -> images.remove(twoLayers)).isInstanceOfSatisfying(CriException.class, e -> {
      assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION);
      assertThat(e.getMessage()).contains("mounted as a volume by container e");
    });
    images.collectGarbage();
    assertThat(volumes.acquire(twoLayers, "f").resolve("etc/marker")).hasContent("volume");
  }

  @Test
  void startUpKeepsTheHoldersOfExistingContainersOnly() throws Exception {
    Path mounted = volumes.acquire(twoLayers, "kept");
    volumes.acquire(twoLayers, "gone");
    volumes.acquire(oneLayer, "gone");
    assertThat(volumes.retainOnly(Set.of("kept"))).as("volumes unmounted").isEqualTo(1);
    assertThat(volumes.holdersOf(images.status(twoLayers).orElseThrow().id())).containsExactly("kept");
    assertThat(Mounts.isMountPoint(mounted)).isTrue();
    assertThat(volumes.chainIdsInUse()).hasSize(2);
  }
}
