package dev.podshim.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.cri.v1.PullImageRequest;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.testing.DaemonProcess;
import dev.podshim.testing.Pods;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's queries and the alert rules name only series a real podshimd exports: a daemon
 * of this build is started, made to record RPCs, CNI plugin runs (one of them failing) and a failed
 * pull, and scraped; every metric name in the chart's PromQL must be among the scrape's.
 */
class MetricNamesTest {
  /** The daemon's families, as PromQL names them; {@code up} is Prometheus' own. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:podshim|jvm|process|system)_[a-z0-9_]+)\\b");
  private static final Set<String> PROMETHEUS_OWN = Set.of("up");
  @TempDir static Path dir;
  static DaemonProcess daemon;
  static Set<String> exported;

  @BeforeAll
  static void scrapeADaemonThatDidSomething() throws Exception {
    daemon = new DaemonProcess(dir.resolve("root"));
    // a portmap that always fails: ADD runs bridge (recorded) then portmap (recorded, an error)
    Files.createDirectories(daemon.network.binDir);
    Path portmap = daemon.network.binDir.resolve("portmap");
    Files.writeString(portmap, "#!/bin/sh\necho '{\"cniVersion\":\"1.0.0\",\"code\":999,\"msg\":\"portmap broken by the test\"}'\nexit 1\n");
    Files.setPosixFilePermissions(portmap, PosixFilePermissions.fromString("rwxr-xr-x"));
    daemon.start();
    try {
      daemon.runtime.runPodSandbox(Pods.run(Pods.config("names")));
    } catch (io.grpc.StatusRuntimeException expected) {
      // the pod network's ADD failed, as arranged
    }
    var pod = daemon.runtime.runPodSandbox(Pods.run(Pods.hostNetwork("names-host")));
    try {
      daemon.images.pullImage(PullImageRequest.newBuilder()
          .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:1/nothing:here")).build());
    } catch (io.grpc.StatusRuntimeException expected) {
      // nothing listens there
    }
    String text;
    try (HttpClient http = HttpClient.newHttpClient()) {
      text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + daemon.metricsPort + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    }
    exported = text.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
        .map(l -> l.replaceAll("[{ ].*", "")).collect(Collectors.toCollection(TreeSet::new));
    daemon.runtime.stopPodSandbox(dev.podshim.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getPodSandboxId()).build());
    daemon.runtime.removePodSandbox(dev.podshim.cri.v1.RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getPodSandboxId()).build());
  }

  @AfterAll
  static void stop() throws Exception {
    if (daemon != null) {
      daemon.terminate();
      daemon.network.close();
    }
  }

  static Set<String> namesIn(List<String> queries) {
    Set<String> names = new TreeSet<>();
    for (String q : queries) {
      METRIC.matcher(q).results().forEach(m -> names.add(m.group(1)));
    }
    return names;
  }

  @Test
  void theScrapeHasWhatTheActivityShouldHaveRecorded() {
    assertThat(exported).contains("podshim_cni_operation_errors_total", "podshim_cni_operation_duration_seconds_bucket",
        "podshim_rpc_errors_total", "podshim_rpc_duration_seconds_bucket", "podshim_image_pull_failures_total");
  }

  @Test
  void everyMetricTheDashboardQueriesIsExported() throws Exception {
    ConfigMap cm = Chart.one(Chart.render(Map.of()), ConfigMap.class);
    JsonNode dashboard = new ObjectMapper().readTree(cm.getData().get("podshim.json"));
    List<String> queries = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> queries.add(e.asText()));
    dashboard.findValues("definition").forEach(e -> queries.add(e.asText()));
    assertThat(queries).hasSizeGreaterThan(15);
    Set<String> named = namesIn(queries);
    assertThat(named).as("metric names in the dashboard's queries").hasSizeGreaterThan(10);
    assertThat(exported).as("what podshimd exports").containsAll(named);
  }

  @Test
  void everyMetricTheAlertsUseIsExported() throws Exception {
    PrometheusRule rule = Chart.one(Chart.render(Map.of()), PrometheusRule.class);
    List<String> exprs = rule.getSpec().getGroups().getFirst().getRules().stream().map(r -> r.getExpr().getStrVal()).toList();
    Set<String> named = namesIn(exprs);
    assertThat(named).as("metric names in the alert rules").hasSizeGreaterThan(10);
    assertThat(exported).as("what podshimd exports").containsAll(named);
    // every alert names podshim's job or a podshim series; the only foreign name is Prometheus' up
    Set<String> foreign = new TreeSet<>();
    for (String e : exprs) {
      Pattern.compile("\\b([a-z_]+)\\{").matcher(e).results().map(m -> m.group(1))
          .filter(n -> !METRIC.matcher(n).matches()).forEach(foreign::add);
    }
    assertThat(foreign).isSubsetOf(PROMETHEUS_OWN);
  }
}
