package dev.podshim.e2e.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmCacheTest {
  @TempDir
  Path root;

  @Test
  void concurrentCallersBuildAnEntryOnceAndAllGetTheWholeOfIt() throws Exception {
    VmCache cache = new VmCache(root);
    AtomicInteger builds = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    Callable<Path> obtain = () -> {
      go.await();
      return cache.obtain("image", dir -> {
        builds.incrementAndGet();
        Thread.sleep(200);
        Files.writeString(dir.resolve("disk"), "whole");
      });
    };
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Path>> results = List.of(pool.submit(obtain), pool.submit(obtain), pool.submit(obtain),
          pool.submit(obtain));
      go.countDown();
      for (Future<Path> result : results) {
        assertThat(Files.readString(result.get().resolve("disk"))).isEqualTo("whole");
      }
    }
    assertThat(builds).hasValue(1);
  }

  @Test
  void aFailedBuildLeavesNoEntryAndTheNextCallBuildsAgain() throws Exception {
    VmCache cache = new VmCache(root);
    assertThatThrownBy(() -> cache.obtain("image", dir -> {
      Files.writeString(dir.resolve("half"), "made");
      throw new IllegalStateException("mmdebstrap failed");
    })).hasMessage("mmdebstrap failed");
    assertThat(root.resolve("image")).doesNotExist();
    try (var left = Files.list(root)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactly("image.lock");
    }
    Path entry = cache.obtain("image", dir -> Files.writeString(dir.resolve("disk"), "second try"));
    assertThat(Files.readString(entry.resolve("disk"))).isEqualTo("second try");
  }

  @Test
  void theTemporaryDirectoryOfABuilderThatDiedIsRemovedByTheNextBuild() throws Exception {
    Path dead = Files.createDirectories(root.resolve("image.building-12345"));
    Files.writeString(dead.resolve("rootfs"), "half");
    new VmCache(root).obtain("image", dir -> Files.writeString(dir.resolve("disk"), "whole"));
    assertThat(dead).doesNotExist();
  }

  @Test
  void entriesUnusedForTheGivenTimeAreRemovedButNotTheOneInUseOrRecentOnes() throws Exception {
    VmCache cache = new VmCache(root);
    for (String name : List.of("old", "recent", "current")) {
      cache.obtain(name, dir -> Files.writeString(dir.resolve("disk.img"), name));
    }
    java.nio.file.attribute.FileTime monthAgo = java.nio.file.attribute.FileTime.from(
        java.time.Instant.now().minus(java.time.Duration.ofDays(30)));
    Files.setLastModifiedTime(root.resolve("old"), monthAgo);
    Files.setLastModifiedTime(root.resolve("current"), monthAgo);

    cache.pruneUnused("current", java.time.Duration.ofDays(7));

    assertThat(root.resolve("old")).doesNotExist();
    assertThat(root.resolve("old.lock")).doesNotExist();
    assertThat(root.resolve("recent/disk.img")).hasContent("recent");
    assertThat(root.resolve("current/disk.img")).hasContent("current");
    assertThat(Files.getLastModifiedTime(root.resolve("current"))).isGreaterThan(monthAgo);
  }

  @Test
  void anEntryCanLiveInsideAnother() throws Exception {
    VmCache cache = new VmCache(root);
    Path image = cache.obtain("image", dir -> Files.writeString(dir.resolve("disk"), "raw"));
    Path state = cache.obtain("image/state-1", dir -> Files.writeString(dir.resolve("saved"), "qcow2"));
    assertThat(state.getParent()).isEqualTo(image);
  }
}
