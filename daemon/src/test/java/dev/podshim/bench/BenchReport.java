package dev.podshim.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the benchmarks of this package share: latency quantiles and the report they leave. */
final class BenchReport {
  private BenchReport() {}

  /** The p50, p90, p99 and max cells of a table row, in ms, from sorted nanosecond samples. */
  static String quantileCells(long[] sorted) {
    return ms(sorted, 0.50) + " | " + ms(sorted, 0.90) + " | " + ms(sorted, 0.99) + " | " + ms(sorted, 1.0);
  }

  private static String ms(long[] sorted, double q) {
    int i = Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length));
    return String.format("%.2f", sorted[i] / 1e6);
  }

  /** Writes {@code target/bench/<name>} (daemon/target/bench from the repository) and prints it. */
  static void write(String name, List<String> report) throws IOException {
    Path out = Path.of("target/bench", name);
    Files.createDirectories(out.getParent());
    Files.write(out, report);
    report.forEach(System.out::println);
  }
}
