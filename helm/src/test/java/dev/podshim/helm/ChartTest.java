package dev.podshim.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The chart lints, and what it renders is what a cluster operator expects, in each mode. */
class ChartTest {
  @Test
  void helmLintStrictPasses() {
    LintResult lint = new Helm(Chart.DIR).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  @Test
  void byDefaultAHostNetworkDaemonSetProxiesTheLoopbackEndpointWithAuthentication() throws Exception {
    List<HasMetadata> objects = Chart.render(Map.of());

    DaemonSet ds = Chart.one(objects, DaemonSet.class);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getHostPID()).isNotEqualTo(Boolean.TRUE);
    assertThat(pod.getTolerations()).anyMatch(t -> "Exists".equals(t.getOperator()));
    Container proxy = pod.getContainers().getFirst();
    assertThat(proxy.getImage()).contains("kube-rbac-proxy");
    assertThat(proxy.getArgs()).contains("--upstream=http://127.0.0.1:9327/", "--allow-paths=/metrics",
        "--secure-listen-address=$(NODE_IP):9328");
    assertThat(proxy.getEnv()).anyMatch(e -> e.getName().equals("NODE_IP")
        && e.getValueFrom().getFieldRef().getFieldPath().equals("status.hostIP"));
    assertThat(proxy.getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(9328);
    });
    assertThat(proxy.getSecurityContext().getPrivileged()).isNotEqualTo(Boolean.TRUE);
    assertThat(proxy.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();

    // the proxy may review tokens and access, nothing else; scrapers get a role for /metrics
    ClusterRole proxyRole = Chart.all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-metrics-proxy")).findFirst().orElseThrow();
    assertThat(proxyRole.getRules()).extracting(PolicyRule::getResources)
        .containsExactlyInAnyOrder(List.of("tokenreviews"), List.of("subjectaccessreviews"));
    assertThat(proxyRole.getRules()).allSatisfy(r -> assertThat(r.getVerbs()).containsExactly("create"));
    ClusterRole reader = Chart.all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().endsWith("-metrics-reader")).findFirst().orElseThrow();
    assertThat(reader.getRules()).singleElement().satisfies(r -> {
      assertThat(r.getNonResourceURLs()).containsExactly("/metrics");
      assertThat(r.getVerbs()).containsExactly("get");
    });
    ClusterRoleBinding binding = Chart.one(objects, ClusterRoleBinding.class);
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo(pod.getServiceAccountName());
      assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
    });

    // Service -> DaemonSet pods, ServiceMonitor -> Service, all on the port named "metrics"
    Service svc = Chart.one(objects, Service.class);
    assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(svc.getSpec().getSelector());
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getPort()).isEqualTo(9328);
    });
    assertThat(svc.getMetadata().getAnnotations()).doesNotContainKey("prometheus.io/scrape");
    ServiceMonitor sm = Chart.one(objects, ServiceMonitor.class);
    assertThat(svc.getMetadata().getLabels()).containsAllEntriesOf(sm.getSpec().getSelector().getMatchLabels());
    Endpoint ep = sm.getSpec().getEndpoints().getFirst();
    assertThat(ep.getPort()).isEqualTo("metrics");
    assertThat(ep.getScheme()).isEqualTo("https");
    assertThat(ep.getBearerTokenFile()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount/token");
    assertThat(ep.getRelabelings()).anyMatch(r -> "node".equals(r.getTargetLabel()));

    assertThat(Chart.one(objects, PrometheusRule.class).getSpec().getGroups().getFirst().getRules()).hasSize(10);
    ConfigMap dashboard = Chart.one(objects, ConfigMap.class);
    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getData()).containsKey("podshim.json");
    assertThat(objects).noneMatch(o -> o.getMetadata().getName().endsWith("node-installer"));
  }

  @Test
  void directModeIsPlainHttpOnPodshimsOwnPortWithNoProxyAndNoToken() throws Exception {
    List<HasMetadata> objects = Chart.render(Map.of("metrics.mode", "direct", "scrapeAnnotations.enabled", "true",
        "serviceMonitor.enabled", "false"));
    DaemonSet ds = Chart.one(objects, DaemonSet.class);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getContainers()).singleElement().satisfies(c -> {
      assertThat(c.getImage()).doesNotContain("kube-rbac-proxy");
      assertThat(c.getPorts().getFirst().getContainerPort()).isEqualTo(9327);
    });
    assertThat(Chart.all(objects, ClusterRole.class)).isEmpty();
    assertThat(Chart.all(objects, ServiceMonitor.class)).isEmpty();
    Service svc = Chart.one(objects, Service.class);
    assertThat(svc.getMetadata().getAnnotations()).containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "9327").containsEntry("prometheus.io/scheme", "http");
  }

  @Test
  void scrapeAnnotationsNameTheProxysTlsPort() throws Exception {
    Service svc = Chart.one(Chart.render(Map.of("scrapeAnnotations.enabled", "true")), Service.class);
    assertThat(svc.getMetadata().getAnnotations()).containsEntry("prometheus.io/port", "9328")
        .containsEntry("prometheus.io/scheme", "https");
  }

  @Test
  void readerSubjectsAreBoundToTheMetricsReaderRole() throws Exception {
    List<HasMetadata> objects = Chart.render(Map.of("metrics.readerSubjects[0].name", "prometheus-k8s",
        "metrics.readerSubjects[0].namespace", "monitoring"));
    ClusterRoleBinding reader = Chart.all(objects, ClusterRoleBinding.class).stream()
        .filter(b -> b.getRoleRef().getName().endsWith("-metrics-reader")).findFirst().orElseThrow();
    assertThat(reader.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("prometheus-k8s"));
  }

  @Test
  void theNodeInstallerIsOptInPrivilegedAndEntersTheHost() throws Exception {
    List<HasMetadata> objects = Chart.render(Map.of("nodeInstaller.enabled", "true"));
    DaemonSet installer = Chart.all(objects, DaemonSet.class).stream()
        .filter(d -> d.getMetadata().getName().endsWith("-node-installer")).findFirst().orElseThrow();
    var pod = installer.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostPID()).isTrue();
    Container c = pod.getContainers().getFirst();
    assertThat(c.getSecurityContext().getPrivileged()).isTrue();
    assertThat(String.join(" ", c.getCommand())).contains("nsenter --target 1", "apt-get install -y /var/cache/podshim/podshim_amd64.deb",
        "systemctl enable --now podshim");
  }

  @Test
  void anUnknownModeFailsTheRendering() {
    assertThatThrownBy(() -> Chart.template(Map.of("metrics.mode", "open")))
        .hasMessageContaining("metrics.mode must be rbacProxy or direct");
  }
}
