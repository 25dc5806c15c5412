package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.config.RegistryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull throughput of a ~100 MB image (4 gzip layers of incompressible files) from the local
 * registry: podshim (download, verify, unpack) against {@code skopeo copy docker://… oci:…}
 * (download and verify only) in the same run. Run with
 * {@code ./mvnw -q -pl daemon -am test -Dtest=PullBenchmark -Dpodshim.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class PullBenchmark {
  @TempDir Path dir;

  @Test
  void pullHundredMegabytes() throws Exception {
    Random random = new Random(42);
    TestImage.Builder b = TestImage.builder();
    for (int layer = 0; layer < 4; layer++) {
      TestTar tar = new TestTar().dir("data" + layer);
      for (int f = 0; f < 25; f++) {
        byte[] content = new byte[1024 * 1024];
        random.nextBytes(content);
        tar.file("data" + layer + "/f" + f, content, 0644, 0, 0);
      }
      b.layer(tar.bytes(), TestImage.Compression.GZIP);
    }
    TestImage image = b.build();
    long total = image.manifest.bytes().length + image.blobs().stream().mapToLong(x -> x.bytes().length).sum();
    try (RegistryFixture registry = RegistryFixture.start(dir.resolve("registry"))) {
      registry.push("bench/big", "v1", image);
      String ref = registry.host() + "/bench/big:v1";
      StringBuilder report = new StringBuilder(String.format("image: %.1f MB in %d layers%n", total / 1e6, image.layers.size()));
      for (int run = 1; run <= 3; run++) {
        Path root = dir.resolve("root" + run);
        ImageService images = ImageService.open(root, RegistryConfig.empty());
        long t0 = System.nanoTime();
        images.pull(ImageReference.parse(ref), PullAuth.NONE);
        double podshim = (System.nanoTime() - t0) / 1e9;

        Path oci = dir.resolve("oci" + run);
        long t1 = System.nanoTime();
        Process p = new ProcessBuilder("skopeo", "copy", "--src-tls-verify=false", "docker://" + ref, "oci:" + oci + ":big")
            .redirectErrorStream(true).redirectOutput(dir.resolve("skopeo.log").toFile()).start();
        assertThat(p.waitFor()).as(Files.readString(dir.resolve("skopeo.log"))).isZero();
        double skopeo = (System.nanoTime() - t1) / 1e9;
        report.append(String.format("run %d: podshim pull+unpack %.2f s (%.0f MB/s), skopeo copy to oci: %.2f s (%.0f MB/s)%n",
            run, podshim, total / 1e6 / podshim, skopeo, total / 1e6 / skopeo));
      }
      System.out.println("PULL BENCHMARK\n" + report);
      Files.writeString(Path.of("target/pull-benchmark.txt"), report);
    }
  }
}
