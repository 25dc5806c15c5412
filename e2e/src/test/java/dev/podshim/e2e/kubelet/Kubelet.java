package dev.podshim.e2e.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.e2e.Podshimd;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * kubelet 1.36 run standalone against podshimd: no API server, static pods from a folder, what it
 * sees read from its read-only port. Everything it writes (root dir, certificates, pod logs, the
 * flexvolume folder) is under {@code dir}; its ports are free ones on 127.0.0.1.
 */
final class Kubelet implements AutoCloseable {
  static final Path BINARY = Podshimd.PROJECT.resolve("../shared/tools/kubelet").normalize();
  static final String NODE_NAME = "e2e-node";

  final Path rootDir;
  final Path manifests;
  final Path podLogs;
  final String cgroupRoot;
  private final Path dir;
  private final Path log;
  private final Path criSocket;
  private final Map<String, Boolean> featureGates;
  private final int port;
  private final int readOnlyPort;
  private final int healthzPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Process process;

  Kubelet(Path dir, Path criSocket, String cgroupRoot, Map<String, Boolean> featureGates) throws IOException {
    this.dir = dir;
    this.criSocket = criSocket;
    this.cgroupRoot = cgroupRoot;
    this.featureGates = Map.copyOf(featureGates);
    this.rootDir = dir.resolve("root");
    this.manifests = dir.resolve("manifests");
    this.podLogs = dir.resolve("pod-logs");
    this.log = dir.resolve("kubelet.log");
    this.port = freePort();
    this.readOnlyPort = freePort();
    this.healthzPort = freePort();
    Files.createDirectories(manifests);
    Files.createDirectories(podLogs);
  }

  /** The binary CI and this machine keep beside the project; without it the suite cannot run. */
  static Path binary() {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException("kubelet not found at " + BINARY + ": the kubelet e2e suite needs kubelet v1.36"
          + " there (../shared/tools/kubelet from the project root; see ../shared/tools/README.md)");
    }
    return BINARY;
  }

  void start() throws Exception {
    Path config = dir.resolve("kubelet.yaml");
    Files.writeString(config, configuration());
    List<String> command = List.of(binary().toString(), "--config", config.toString(), "--root-dir", rootDir.toString(),
        // flags whose defaults are fixed paths outside the root dir
        "--cert-dir", dir.resolve("pki").toString(), "--hostname-override", NODE_NAME, "--v=2");
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!healthy()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("kubelet did not become healthy\n" + tail(80));
      }
      Thread.sleep(200);
    }
  }

  private String configuration() {
    String gates = featureGates.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
        .collect(Collectors.joining(", ", "{", "}"));
    return """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        staticPodPath: %s
        fileCheckFrequency: 1s
        syncFrequency: 5s
        containerRuntimeEndpoint: unix://%s
        imageServiceEndpoint: unix://%s
        cgroupDriver: cgroupfs
        cgroupRoot: %s
        failSwapOn: false
        failCgroupV1: false
        address: 127.0.0.1
        port: %d
        readOnlyPort: %d
        healthzBindAddress: 127.0.0.1
        healthzPort: %d
        podLogsDir: %s
        volumePluginDir: %s
        authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
        authorization: {mode: AlwaysAllow}
        # never collect the suite's image, never evict for a busy shared disk
        imageGCHighThresholdPercent: 100
        imageGCLowThresholdPercent: 99
        evictionHard: {memory.available: 1Mi, nodefs.available: 1%%, nodefs.inodesFree: 1%%, imagefs.available: 1%%, imagefs.inodesFree: 1%%}
        # rotation test: a small limit, checked often
        containerLogMaxSize: 1Ki
        containerLogMaxFiles: 3
        containerLogMonitorInterval: 3s
        featureGates: %s
        """.formatted(manifests, criSocket, criSocket, cgroupRoot, port, readOnlyPort, healthzPort, podLogs,
        dir.resolve("volume-plugins"), gates);
  }

  private boolean healthy() {
    try {
      return get("http://127.0.0.1:" + healthzPort + "/healthz").equals("ok");
    } catch (IOException e) {
      return false;
    }
  }

  /** kubelet's folder of a container's logs: {@code <podLogsDir>/<namespace>_<pod>_<uid>/<container>}. */
  Path containerLogDir(KubeletPods.Pod pod, String container) {
    return podLogs.resolve("default_" + pod.json().path("metadata").path("name").asText() + "_" + pod.uid())
        .resolve(container);
  }

  void writeManifest(String name, String yaml) throws IOException {
    // write then rename: kubelet must never read half a manifest
    Path tmp = dir.resolve(name + ".yaml.tmp");
    Files.writeString(tmp, yaml);
    Files.move(tmp, manifests.resolve(name + ".yaml"), StandardCopyOption.ATOMIC_MOVE);
  }

  void deleteManifest(String name) throws IOException {
    Files.deleteIfExists(manifests.resolve(name + ".yaml"));
  }

  void deleteAllManifests() throws IOException {
    try (var files = Files.list(manifests)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
  }

  /** The static pods kubelet runs, with their status, from the read-only port's /pods. */
  KubeletPods pods() throws IOException {
    return new KubeletPods(json(readOnly("/pods")));
  }

  JsonNode statsSummary() throws IOException {
    return json(readOnly("/stats/summary"));
  }

  String metrics() throws IOException {
    return readOnly("/metrics");
  }

  /** prober_probe_total and its kin: kubelet serves them apart from /metrics. */
  String probeMetrics() throws IOException {
    return readOnly("/metrics/probes");
  }

  private String readOnly(String path) throws IOException {
    return get("http://127.0.0.1:" + readOnlyPort + path);
  }

  private String get(String url) throws IOException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IOException("GET " + url + ": " + r.statusCode() + " " + r.body());
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: GET " + url, e);
    }
  }

  private static JsonNode json(String text) throws IOException {
    return new ObjectMapper().readTree(text);
  }

  boolean running() {
    return process != null && process.isAlive();
  }

  /** SIGTERM, as systemd stops it; SIGKILL if it does not end within 30 s. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no kubelet log: " + e + ")";
    }
  }

  /** The last {@code lines} lines of kubelet's log. */
  String tail(int lines) {
    List<String> all = new ArrayList<>(log().lines().toList());
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Error lines of kubelet's log (klog's "E" prefix), the last {@code lines} of them. */
  String errors(int lines) {
    List<String> all = log().lines().filter(l -> l.startsWith("E")).toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
