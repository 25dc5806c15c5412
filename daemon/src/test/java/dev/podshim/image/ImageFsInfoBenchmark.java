package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.config.RegistryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one ImageFsInfo costs on a store of 100,000 files in unpacked layers (kubelet asks every
 * few seconds): a walk of the whole store against podshim's, which takes layers from the usage
 * recorded at unpack time. Same store, same JVM, alternating. Report:
 * {@code daemon/target/bench/imagefs-report.md}.
 */
@EnabledIfSystemProperty(named = "podshim.bench", matches = "true")
class ImageFsInfoBenchmark {
  private static final int LAYERS = 20;
  private static final int FILES_PER_LAYER = 5_000;
  private static final int RUNS = 11;

  @TempDir Path root;

  @Test
  void recordedLayerUsageAgainstAFullWalk() throws Exception {
    ImageService images = ImageService.open(root, RegistryConfig.empty());
    Path layers = root.resolve("images/layers");
    for (int l = 0; l < LAYERS; l++) {
      Path fs = Files.createDirectories(layers.resolve("%064x".formatted(l)).resolve("fs"));
      for (int d = 0; d < FILES_PER_LAYER / 100; d++) {
        Path dir = Files.createDirectory(fs.resolve("d" + d));
        for (int f = 0; f < 100; f++) {
          Files.write(dir.resolve("f" + f), new byte[100 + f * 40]);
        }
      }
    }
    ImageFilesystem fullWalk = new ImageFilesystem(root);
    images.filesystem().usage(); // records the usage of these layers, as unpacking would have

    double[] walked = new double[RUNS];
    double[] recorded = new double[RUNS];
    ImageFilesystem.Usage a = null;
    ImageFilesystem.Usage b = null;
    for (int run = 0; run < RUNS; run++) {
      long t0 = System.nanoTime();
      a = fullWalk.usage();
      walked[run] = (System.nanoTime() - t0) / 1e6;
      long t1 = System.nanoTime();
      b = images.filesystem().usage();
      recorded[run] = (System.nanoTime() - t1) / 1e6;
    }
    assertThat(b.usedBytes()).isEqualTo(a.usedBytes());
    assertThat(b.inodesUsed()).isEqualTo(a.inodesUsed());
    String report = """
        # ImageFsInfo on a store of %d files in %d layers (%d runs, median)

        | measure | ms |
        |---|---|
        | walk of the whole store | %.1f |
        | layers from their usage record | %.2f |

        Both report %d bytes, %d inodes.
        """.formatted(LAYERS * FILES_PER_LAYER, LAYERS, RUNS, median(walked), median(recorded),
        b.usedBytes(), b.inodesUsed());
    System.out.println(report);
    Files.createDirectories(Path.of("target/bench"));
    Files.writeString(Path.of("target/bench/imagefs-report.md"), report);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
