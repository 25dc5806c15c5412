package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.RegistryConfig;
import dev.podshim.errors.CriException;
import dev.podshim.os.FileCalls;
import dev.podshim.os.Mounts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a real registry (Debian's docker-registry on 127.0.0.1) into a real store; runs as root. */
class ImagePullTest {
  @TempDir static Path shared;
  static RegistryFixture registry;

  @TempDir Path root;

  @BeforeAll
  static void startRegistry() throws Exception {
    registry = RegistryFixture.start(shared.resolve("registry"));
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  static TestImage twoLayers(String marker) {
    return TestImage.builder().user("1000:1000")
        .layer(new TestTar().dir("etc").file("etc/marker", marker).dir("bin").file("bin/tool", "#!/bin/sh\n".getBytes(), 0755, 0, 0))
        .layer(new TestTar().dir("data").file("data/" + marker, marker))
        .build();
  }

  ImageService service() throws Exception {
    return ImageService.open(root, RegistryConfig.empty());
  }

  @Test
  void pullByTagStoresUnpacksAndReportsTheImage() throws Exception {
    TestImage image = twoLayers("by-tag");
    registry.push("test/app", "v1", image);
    ImageService images = service();

    String id = images.pull(ImageReference.parse(registry.host() + "/test/app:v1"), PullAuth.NONE);

    assertThat(id).isEqualTo(image.id().toString());
    ImageInfo info = images.status(registry.host() + "/test/app:v1").orElseThrow();
    assertThat(info.repoTags()).containsExactly(registry.host() + "/test/app:v1");
    assertThat(info.repoDigests()).containsExactly(registry.host() + "/test/app@" + image.manifest.digest());
    assertThat(info.uid()).isEqualTo(1000L);
    assertThat(info.username()).isEmpty();
    assertThat(info.size()).isEqualTo(image.manifest.bytes().length + image.config.bytes().length
        + image.layers.stream().mapToLong(l -> l.bytes().length).sum());
    assertThat(images.status(id)).contains(info);
    assertThat(images.status(id.substring(7, 19))).contains(info);
    assertThat(images.list("")).containsExactly(info);
    List<Digest> chain = LayerStore.chainIds(image.diffIds);
    assertThat(Files.readString(images.layerPath(chain.get(0)).resolve("etc/marker"))).isEqualTo("by-tag");
    assertThat(Files.getPosixFilePermissions(images.layerPath(chain.get(0)).resolve("bin/tool")))
        .hasSize(7); // rwxr-xr-x
    assertThat(Files.readString(images.layerPath(chain.get(1)).resolve("data/by-tag"))).isEqualTo("by-tag");
    for (TestImage.Blob b : image.blobs()) {
      assertThat(images.content().has(b.digest())).as("blob %s", b.digest()).isTrue();
    }
    assertThat(images.verboseInfo(id).orElseThrow()).contains("imageSpec").contains("\"User\":\"1000:1000\"");
  }

  @Test
  void imageFsInfoTakesLayersFromTheirRecordAndAgreesWithAFullWalk() throws Exception {
    TestTar links = new TestTar().file("bin/busybox", new byte[300_000], 0755, 0, 0);
    for (int i = 0; i < 20; i++) {
      links.hardlink("bin/tool" + i, "bin/busybox");
    }
    TestImage image = TestImage.builder().layer(links).layer(new TestTar().file("etc/x", "x")).build();
    registry.push("test/du", "v1", image);
    ImageService images = service();
    images.pull(ImageReference.parse(registry.host() + "/test/du:v1"), PullAuth.NONE);
    Path layer = images.layerPath(LayerStore.chainIds(image.diffIds).getFirst()).getParent();

    ImageFilesystem.Usage fromRecords = images.filesystem().usage();
    ImageFilesystem.Usage walked = new ImageFilesystem(root).usage();

    assertThat(Files.readString(layer.resolve("disk-usage"))).matches("\\d+ 3"); // fs, bin, and one inode for 21 names
    assertThat(fromRecords.usedBytes()).isEqualTo(walked.usedBytes());
    assertThat(fromRecords.inodesUsed()).isEqualTo(walked.inodesUsed());
    // a layer unpacked before the record existed is measured once and recorded
    Files.delete(layer.resolve("disk-usage"));
    images.filesystem().usage();
    assertThat(layer.resolve("disk-usage")).exists();
    assertThat(images.filesystem().usage().usedBytes()).isEqualTo(walked.usedBytes());
  }

  @Test
  void pullByDigestAndByTagAtDigest() throws Exception {
    TestImage image = twoLayers("by-digest");
    registry.push("test/digest", "v1", image);
    ImageService images = service();
    String name = registry.host() + "/test/digest";

    String id = images.pull(ImageReference.parse(name + "@" + image.manifest.digest()), PullAuth.NONE);
    String again = images.pull(ImageReference.parse(name + ":v1@" + image.manifest.digest()), PullAuth.NONE);

    assertThat(id).isEqualTo(image.id().toString()).isEqualTo(again);
    ImageInfo info = images.status(name + "@" + image.manifest.digest()).orElseThrow();
    assertThat(info.repoTags()).isEmpty();
    assertThat(info.repoDigests()).containsExactly(name + "@" + image.manifest.digest());
  }

  @Test
  void wrongDigestIsNotFoundAndMissingTagIsNotFound() throws Exception {
    ImageService images = service();
    String missingDigest = "sha256:" + "ab".repeat(32);
    assertThatThrownBy(() -> images.pull(ImageReference.parse(registry.host() + "/test/none@" + missingDigest), PullAuth.NONE))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.NOT_FOUND));
    assertThatThrownBy(() -> images.pull(ImageReference.parse(registry.host() + "/test/none:nope"), PullAuth.NONE))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.NOT_FOUND);
          assertThat(e.getMessage()).contains("test/none:nope").contains("not found");
        });
  }

  @Test
  void unreachableRegistryIsUnavailable() throws Exception {
    ImageService images = service();
    assertThatThrownBy(() -> images.pull(ImageReference.parse("127.0.0.1:1/x/y:z"), PullAuth.NONE))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.UNAVAILABLE));
  }

  @Test
  void pullsThroughAMirrorForAnAirGappedRegistry() throws Exception {
    TestImage image = twoLayers("mirror");
    registry.push("pause", "3.10", image);
    RegistryConfig config = new RegistryConfig(
        Map.of("registry.k8s.io", List.of(URI.create(registry.base()))), Set.of(), Map.of(), List.of());
    ImageService images = ImageService.open(root, config);

    String id = images.pull(ImageReference.parse("registry.k8s.io/pause:3.10"), PullAuth.NONE);

    assertThat(id).isEqualTo(image.id().toString());
    assertThat(images.status("registry.k8s.io/pause:3.10").orElseThrow().repoDigests())
        .containsExactly("registry.k8s.io/pause@" + image.manifest.digest());
  }

  @Test
  void mirrorsAreTriedInOrderThenTheNext() throws Exception {
    TestImage image = twoLayers("mirror-order");
    registry.push("library/app", "1", image);
    RegistryConfig config = new RegistryConfig(
        Map.of("docker.io", List.of(URI.create("http://127.0.0.1:1"), URI.create(registry.base()))), Set.of(), Map.of(), List.of());
    ImageService images = ImageService.open(root, config);

    assertThat(images.pull(ImageReference.parse("app:1"), PullAuth.NONE)).isEqualTo(image.id().toString());
    assertThat(images.status("docker.io/library/app:1")).isPresent();
  }

  @Test
  void multiArchIndexPicksLinuxAmd64() throws Exception {
    TestImage arm = TestImage.builder().architecture("arm64").layer(new TestTar().file("arch", "arm64")).build();
    TestImage amd = TestImage.builder().architecture("amd64").layer(new TestTar().file("arch", "amd64")).build();
    TestImage.Blob index = registry.pushIndex("test/multi", "latest", List.of(arm, amd));
    ImageService images = ImageService.open(root, RegistryConfig.empty());

    String id = images.pull(ImageReference.parse(registry.host() + "/test/multi"), PullAuth.NONE);

    assertThat(id).isEqualTo(amd.id().toString());
    ImageInfo info = images.status(id).orElseThrow();
    assertThat(info.repoDigests()).containsExactly(registry.host() + "/test/multi@" + index.digest());
    assertThat(images.status(registry.host() + "/test/multi@" + amd.manifest.digest())).contains(info);
    Path layer = images.layerPath(LayerStore.chainIds(amd.diffIds).getFirst());
    assertThat(Files.readString(layer.resolve("arch"))).isEqualTo("amd64");
    assertThat(images.content().has(arm.layers.getFirst().digest())).isFalse();
  }

  @Test
  void dockerMediaTypesAndZstdAndPlainLayers() throws Exception {
    TestImage docker = TestImage.builder().docker()
        .layer(new TestTar().file("a", "gzip"), TestImage.Compression.GZIP)
        .layer(new TestTar().file("b", "plain"), TestImage.Compression.NONE)
        .build();
    TestImage zstd = TestImage.builder().layer(new TestTar().file("c", "zstd"), TestImage.Compression.ZSTD).build();
    registry.push("test/docker", "v2", docker);
    registry.push("test/zstd", "v1", zstd);
    ImageService images = service();

    images.pull(ImageReference.parse(registry.host() + "/test/docker:v2"), PullAuth.NONE);
    images.pull(ImageReference.parse(registry.host() + "/test/zstd:v1"), PullAuth.NONE);

    List<Digest> d = LayerStore.chainIds(docker.diffIds);
    assertThat(Files.readString(images.layerPath(d.get(0)).resolve("a"))).isEqualTo("gzip");
    assertThat(Files.readString(images.layerPath(d.get(1)).resolve("b"))).isEqualTo("plain");
    assertThat(Files.readString(images.layerPath(LayerStore.chainIds(zstd.diffIds).get(0)).resolve("c"))).isEqualTo("zstd");
  }

  @Test
  void whiteoutsAndOpaqueDirsBecomeOverlayMarkersAndTheSnapshotHidesWhatTheyHide() throws Exception {
    TestImage image = TestImage.builder()
        .layer(new TestTar().dir("dir").file("dir/a", "a").file("dir/b", "b").dir("opq").file("opq/x", "x").file("gone", "g"))
        .layer(new TestTar().dir("dir").whiteout("dir", "a").whiteout("", "gone").dir("opq").opaque("opq").file("opq/y", "y"))
        .build();
    registry.push("test/whiteout", "v1", image);
    ImageService images = service();
    String id = images.pull(ImageReference.parse(registry.host() + "/test/whiteout:v1"), PullAuth.NONE);

    Path upper = images.layerPath(LayerStore.chainIds(image.diffIds).get(1));
    Path whiteout = upper.resolve("dir/a");
    assertThat(Files.getAttribute(whiteout, "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0020000);
    assertThat(Files.getAttribute(whiteout, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
    assertThat(Files.exists(upper.resolve("dir/.wh.a"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.exists(upper.resolve("opq/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(FileCalls.lgetxattr(upper.resolve("opq"), "trusted.overlay.opaque")).hasValueSatisfying(
        v -> assertThat(new String(v, StandardCharsets.US_ASCII)).isEqualTo("y"));

    Path rootfs = images.snapshots().prepare(id, "c1");
    try {
      assertThat(Mounts.isMountPoint(rootfs)).isTrue();
      assertThat(images.snapshots().prepare(id, "c1")).isEqualTo(rootfs);
      assertThat(Files.readString(rootfs.resolve("dir/b"))).isEqualTo("b");
      assertThat(rootfs.resolve("dir/a")).doesNotExist();
      assertThat(rootfs.resolve("gone")).doesNotExist();
      try (Stream<Path> s = Files.list(rootfs.resolve("opq"))) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("y");
      }
      Files.writeString(rootfs.resolve("written"), "by the container");
      assertThat(upper.resolve("written")).doesNotExist();
      // the snapshot keeps its layers although the image goes
      images.remove(id);
      assertThat(images.hasLayer(LayerStore.chainIds(image.diffIds).get(1))).isTrue();
    } finally {
      images.snapshots().release("c1");
    }
    assertThat(Mounts.isMountPoint(rootfs)).isFalse();
    assertThat(rootfs.getParent()).doesNotExist();
    images.snapshots().release("c1");
    images.collectGarbage();
    assertThat(images.hasLayer(LayerStore.chainIds(image.diffIds).get(1))).isFalse();
  }

  @Test
  void anImageOfAHundredLayersMountsAsOneSnapshot() throws Exception {
    // Layer paths of this store are ~100 bytes: a hundred of them overflow mount(2)'s option page.
    TestImage.Builder builder = TestImage.builder();
    for (int i = 0; i < 100; i++) {
      builder.layer(new TestTar().file("layer-" + i, Integer.toString(i)).file("last", Integer.toString(i)));
    }
    registry.push("test/tall", "v1", builder.build());
    ImageService images = service();
    String id = images.pull(ImageReference.parse(registry.host() + "/test/tall:v1"), PullAuth.NONE);

    Path rootfs = images.snapshots().prepare(id, "tall");
    try {
      assertThat(rootfs.resolve("layer-0")).hasContent("0");
      assertThat(rootfs.resolve("layer-99")).hasContent("99");
      assertThat(rootfs.resolve("last")).hasContent("99");
    } finally {
      images.snapshots().release("tall");
    }
    assertThat(Mounts.isMountPoint(rootfs)).isFalse();
  }

  @Test
  void ownershipModesLinksDevicesAndXattrsArePreserved() throws Exception {
    TestImage image = TestImage.builder().layer(new TestTar()
            .dir("d", 01777, 0, 0)
            .file("d/suid", "x".getBytes(), 04755, 1234, 5678)
            .hardlink("d/link", "d/suid")
            .symlink("d/sym", "suid")
            .charDevice("d/null", 1, 3)
            .fifo("d/pipe")
            .fileWithXattrs("d/x", "x", Map.of("user.note", "hello")))
        .build();
    registry.push("test/attrs", "v1", image);
    ImageService images = service();
    images.pull(ImageReference.parse(registry.host() + "/test/attrs:v1"), PullAuth.NONE);
    Path fs = images.layerPath(LayerStore.chainIds(image.diffIds).getFirst());

    assertThat(Files.getAttribute(fs.resolve("d"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(040000 | 01777);
    assertThat(Files.getAttribute(fs.resolve("d/suid"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0100000 | 04755);
    assertThat(Files.getAttribute(fs.resolve("d/suid"), "unix:uid")).isEqualTo(1234);
    assertThat(Files.getAttribute(fs.resolve("d/suid"), "unix:gid")).isEqualTo(5678);
    assertThat(Files.getAttribute(fs.resolve("d/link"), "unix:ino")).isEqualTo(Files.getAttribute(fs.resolve("d/suid"), "unix:ino"));
    assertThat(Files.readSymbolicLink(fs.resolve("d/sym"))).isEqualTo(Path.of("suid"));
    assertThat(Files.getAttribute(fs.resolve("d/null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(FileCalls.makedev(1, 3));
    assertThat(Files.getAttribute(fs.resolve("d/pipe"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).isEqualTo(010000 | 0600);
    assertThat(FileCalls.lgetxattr(fs.resolve("d/x"), "user.note")).hasValueSatisfying(
        v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("hello"));
    assertThat(Files.getLastModifiedTime(fs.resolve("d"), LinkOption.NOFOLLOW_LINKS).toMillis()).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void corruptBlobIsRefusedAndNothingIsStored() throws Exception {
    TestImage image = twoLayers("corrupt");
    registry.push("test/corrupt", "v1", image);
    try (RegistryProxy proxy = new RegistryProxy(registry.base())) {
      proxy.corruptDigest = image.layers.get(1).digest().toString();
      ImageService images = service();

      assertThatThrownBy(() -> images.pull(ImageReference.parse(proxy.host() + "/test/corrupt:v1"), PullAuth.NONE))
          .isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).contains(image.layers.get(1).digest().toString()).contains("digest");
          });
      assertThat(images.list("")).isEmpty();
      assertThat(images.content().has(image.layers.get(1).digest())).isFalse();
      try (Stream<Path> ingest = Files.list(root.resolve("images/ingest"))) {
        assertThat(ingest).isEmpty();
      }
      assertThat(images.layers().list()).doesNotContain(LayerStore.chainIds(image.diffIds).get(1));
    }
  }

  @Test
  void interruptedDownloadLeavesNoPartialBlobAndTheNextPullCompletes() throws Exception {
    TestTar big = new TestTar();
    byte[] noise = new byte[512 * 1024];
    new java.util.Random(7).nextBytes(noise);
    big.file("noise", noise, 0644, 0, 0);
    TestImage image = TestImage.builder().layer(big).build();
    registry.push("test/cut", "v1", image);
    try (RegistryProxy proxy = new RegistryProxy(registry.base())) {
      proxy.truncateDigest = image.layers.getFirst().digest().toString();
      ImageService images = service();
      ImageReference ref = ImageReference.parse(proxy.host() + "/test/cut:v1");

      assertThatThrownBy(() -> images.pull(ref, PullAuth.NONE))
          .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.UNAVAILABLE));
      assertThat(images.content().has(image.layers.getFirst().digest())).isFalse();
      try (Stream<Path> ingest = Files.list(root.resolve("images/ingest"))) {
        assertThat(ingest).isEmpty();
      }
      assertThat(images.list("")).isEmpty();

      proxy.truncateDigest = null;
      assertThat(images.pull(ref, PullAuth.NONE)).isEqualTo(image.id().toString());
    }
  }

  @Test
  void layerEscapingItsRootIsRefused() throws Exception {
    TestImage dotdot = TestImage.builder().layer(new TestTar().file("../../etc/x", "owned")).build();
    TestImage absLink = TestImage.builder().layer(new TestTar().symlink("evil", "/etc").file("evil/x", "owned")).build();
    TestImage relLink = TestImage.builder().layer(new TestTar().dir("a").symlink("a/up", "../..").file("a/up/x", "owned")).build();
    registry.push("test/escape", "dotdot", dotdot);
    registry.push("test/escape", "abs", absLink);
    registry.push("test/escape", "rel", relLink);
    ImageService images = service();

    for (String tag : List.of("dotdot", "abs", "rel")) {
      assertThatThrownBy(() -> images.pull(ImageReference.parse(registry.host() + "/test/escape:" + tag), PullAuth.NONE))
          .as(tag)
          .isInstanceOfSatisfying(CriException.class, e -> {
            assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION);
            assertThat(e.getMessage()).containsAnyOf("escapes the layer root", "symlink");
          });
    }
    assertThat(images.list("")).isEmpty();
    assertThat(images.layers().list()).isEmpty();
    assertThat(root.resolve("etc/x")).doesNotExist();
    assertThat(root.getParent().resolve("etc/x")).doesNotExist();
    assertThat(Path.of("/etc/x")).doesNotExist();
  }

  @Test
  void removeByTagKeepsOtherTagsThenRemovingTheLastCollectsTheLayers() throws Exception {
    TestImage image = twoLayers("remove");
    registry.push("test/rm", "a", image);
    registry.push("test/rm", "b", image);
    ImageService images = service();
    String a = registry.host() + "/test/rm:a";
    String b = registry.host() + "/test/rm:b";
    String id = images.pull(ImageReference.parse(a), PullAuth.NONE);
    images.pull(ImageReference.parse(b), PullAuth.NONE);
    assertThat(images.status(id).orElseThrow().repoTags()).containsExactlyInAnyOrder(a, b);

    images.remove(a);
    assertThat(images.status(a)).isEmpty();
    assertThat(images.status(b).orElseThrow().repoTags()).containsExactly(b);
    assertThat(images.hasLayer(LayerStore.chainIds(image.diffIds).get(0))).isTrue();

    images.remove(b);
    assertThat(images.status(id)).isEmpty();
    assertThat(images.list("")).isEmpty();
    assertThat(images.layers().list()).isEmpty();
    assertThat(images.content().list()).isEmpty();
    images.remove(b); // missing: fine
    images.remove(id);
  }

  @Test
  void removeByIdRemovesEveryTagAndPinnedImagesAreRefused() throws Exception {
    TestImage image = twoLayers("pinned");
    registry.push("test/pin", "keep", image);
    registry.push("test/pin", "other", image);
    String keep = registry.host() + "/test/pin:keep";
    String other = registry.host() + "/test/pin:other";
    RegistryConfig config = new RegistryConfig(Map.of(), Set.of(), Map.of(), List.of(keep));
    ImageService images = ImageService.open(root, config);
    String id = images.pull(ImageReference.parse(keep), PullAuth.NONE);
    images.pull(ImageReference.parse(other), PullAuth.NONE);
    assertThat(images.status(id).orElseThrow().pinned()).isTrue();

    images.remove(other); // untagging a tag that is not pinned is fine
    assertThatThrownBy(() -> images.remove(keep))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION));
    assertThatThrownBy(() -> images.remove(id))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.FAILED_PRECONDITION));
    assertThat(images.status(keep)).isPresent();

    ImageService unpinned = ImageService.open(root, RegistryConfig.empty());
    unpinned.pull(ImageReference.parse(other), PullAuth.NONE);
    unpinned.remove(id);
    assertThat(unpinned.list("")).isEmpty();
  }

  @Test
  void aMovedTagLeavesTheOldImageUntagged() throws Exception {
    TestImage v1 = twoLayers("move-1");
    TestImage v2 = twoLayers("move-2");
    String ref = registry.host() + "/test/move:latest";
    registry.push("test/move", "latest", v1);
    ImageService images = service();
    String first = images.pull(ImageReference.parse(ref), PullAuth.NONE);
    registry.push("test/move", "latest", v2);
    String second = images.pull(ImageReference.parse(ref), PullAuth.NONE);

    assertThat(second).isNotEqualTo(first);
    assertThat(images.status(ref).orElseThrow().id()).isEqualTo(second);
    assertThat(images.status(first).orElseThrow().repoTags()).isEmpty();
    assertThat(images.status(first).orElseThrow().repoDigests()).isNotEmpty();
  }

  @Test
  void restartKeepsTheStore() throws Exception {
    TestImage image = twoLayers("restart");
    registry.push("test/restart", "v1", image);
    String ref = registry.host() + "/test/restart:v1";
    ImageService before = service();
    String id = before.pull(ImageReference.parse(ref), PullAuth.NONE);
    Files.writeString(root.resolve("images/ingest/" + "deadbeef0000-999999999-1"), "partial download of a dead process");

    ImageService after = ImageService.open(root, RegistryConfig.empty());

    assertThat(after.list("")).isEqualTo(before.list(""));
    assertThat(after.status(ref).orElseThrow().id()).isEqualTo(id);
    try (Stream<Path> ingest = Files.list(root.resolve("images/ingest"))) {
      assertThat(ingest).isEmpty();
    }
    // a second pull finds everything in place and downloads nothing
    try (RegistryProxy proxy = new RegistryProxy(registry.base())) {
      RegistryConfig viaProxy = new RegistryConfig(Map.of(registry.host(), List.of(URI.create("http://" + proxy.host()))),
          Set.of(), Map.of(), List.of());
      ImageService third = ImageService.open(root, viaProxy);
      assertThat(third.pull(ImageReference.parse(ref), PullAuth.NONE)).isEqualTo(id);
      assertThat(proxy.count("/blobs/")).isZero();
    }
  }

  @Test
  void concurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
    TestImage image = twoLayers("concurrent");
    registry.push("test/conc", "v1", image);
    registry.push("test/conc", "v2", image);
    try (RegistryProxy proxy = new RegistryProxy(registry.base())) {
      proxy.delayBlobMillis = 20;
      ImageService images = service();
      List<Callable<String>> pulls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        String tag = i % 2 == 0 ? "v1" : "v2";
        pulls.add(() -> images.pull(ImageReference.parse(proxy.host() + "/test/conc:" + tag), PullAuth.NONE));
      }
      List<String> ids = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
        for (Future<String> f : pool.invokeAll(pulls)) {
          ids.add(f.get());
        }
      }
      assertThat(ids).containsOnly(image.id().toString());
      for (TestImage.Blob b : image.blobs()) {
        assertThat(proxy.count("GET /v2/test/conc/blobs/" + b.digest())).as("GETs of %s", b.digest()).isEqualTo(1);
      }
      assertThat(images.status(image.id().toString()).orElseThrow().repoTags()).hasSize(2);
    }
  }
}
