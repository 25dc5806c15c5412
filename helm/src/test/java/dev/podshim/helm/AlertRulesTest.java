package dev.podshim.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's alert rules through Debian's promtool: {@code check rules} on the rendered groups and
 * {@code test rules} on the recorded series of {@code alerts-test.yaml}, where each alert fires
 * where it should and stays silent elsewhere.
 */
class AlertRulesTest {
  @TempDir static Path dir;
  static PrometheusRule rule;

  @BeforeAll
  static void render() throws Exception {
    rule = Chart.one(Chart.render(Map.of()), PrometheusRule.class);
    // promtool reads plain rule files: the PrometheusRule's spec is one
    Files.writeString(dir.resolve("rules.yaml"), Chart.YAML.writeValueAsString(rule.getSpec()));
    try (var in = AlertRulesTest.class.getResourceAsStream("/alerts-test.yaml")) {
      Files.write(dir.resolve("alerts-test.yaml"), in.readAllBytes());
    }
  }

  static String promtool(String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("promtool"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IOException("promtool is not installed: apt-get install prometheus (scripts/deps.sh test does)", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("promtool " + String.join(" ", args) + ":\n" + out).isZero();
    return out;
  }

  @Test
  void promtoolCheckRulesAcceptsTheRules() throws Exception {
    assertThat(promtool("check", "rules", "rules.yaml")).contains("SUCCESS: 10 rules found");
  }

  @Test
  void promtoolTestRulesPassesOnTheRecordedSeries() throws Exception {
    assertThat(promtool("test", "rules", "alerts-test.yaml")).contains("SUCCESS");
  }

  @Test
  void everyAlertIsExercisedByTheRecordedSeries() throws Exception {
    String tests = Files.readString(dir.resolve("alerts-test.yaml"));
    List<String> alerts = rule.getSpec().getGroups().getFirst().getRules().stream().map(Rule::getAlert).toList();
    assertThat(alerts).hasSize(10).allSatisfy(a -> assertThat(tests).contains("alertname: " + a));
    // and each fires somewhere: an expected alert follows its name at least once
    for (String a : alerts) {
      assertThat(tests).as(a + " fires in some test").containsPattern("alertname: " + a + "\\s+exp_alerts:\\s+- exp_labels");
    }
  }

  @Test
  void thresholdsComeFromValues() throws Exception {
    PrometheusRule custom = Chart.one(Chart.render(Map.of("prometheusRule.thresholds.runPodSandboxP99Seconds", "3",
        "prometheusRule.jobSelector", "kubernetes-service-endpoints")), PrometheusRule.class);
    Rule slow = custom.getSpec().getGroups().getFirst().getRules().stream()
        .filter(r -> r.getAlert().equals("PodshimRunPodSandboxSlow")).findFirst().orElseThrow();
    assertThat(slow.getExpr().getStrVal()).contains("> 3").contains("job=\"kubernetes-service-endpoints\"");
  }
}
