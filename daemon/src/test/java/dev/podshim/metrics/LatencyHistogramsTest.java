package dev.podshim.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LatencyHistogramsTest {
  private static final List<String> BOUNDS = List.of("0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
      "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "+Inf");

  @ParameterizedTest
  @ValueSource(strings = {"podshim.rpc.duration", "podshim.cni.operation.duration", "podshim.image.pull.duration"})
  void durationTimersRenderAsHistogramsWithTheFixedBuckets(String name) {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    // the image area registers through a composite: the filter must apply to what it adds too
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    composite.add(registry);
    MeterRegistry owner = name.contains("image") ? composite : registry;
    Timer timer = Timer.builder(name).tag("operation", "X").publishPercentileHistogram().register(owner);
    timer.record(Duration.ofMillis(3));
    timer.record(Duration.ofSeconds(90));

    String prom = name.replace('.', '_') + "_seconds";
    String text = registry.scrape();
    assertThat(text).contains("# TYPE " + prom + " histogram");
    Matcher m = Pattern.compile("(?m)^" + prom + "_bucket\\{.*le=\"([^\"]+)\".*\\} (\\S+)$").matcher(text);
    List<String> les = m.results().map(r -> r.group(1)).toList();
    assertThat(les).as("le bounds of " + prom).isEqualTo(BOUNDS);
    assertThat(text).contains(prom + "_count{operation=\"X\"} 2");
    long series = text.lines().filter(l -> l.startsWith(prom + "_")).count();
    assertThat(series).as("series of one operation").isEqualTo(LatencyHistograms.BUCKETS.size() + 1 + 2 + 1); // + _max
  }

  @ParameterizedTest
  @ValueSource(strings = {"podshim.test.duration", "podshim.exec.sync.duration"})
  void otherTimersAreLeftAlone(String name) {
    PrometheusMeterRegistry registry = MetricsServer.newRegistry();
    Timer.builder(name).register(registry).record(Duration.ofMillis(3));
    assertThat(registry.scrape()).doesNotContain(name.replace('.', '_') + "_seconds_bucket");
  }
}
