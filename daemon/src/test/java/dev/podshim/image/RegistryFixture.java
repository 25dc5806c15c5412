package dev.podshim.image;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 and a random port, storage and config
 * in a temp directory, optionally behind htpasswd (bcrypt) basic auth; plus a minimal push client.
 */
final class RegistryFixture implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;
  private final @Nullable String basic;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private RegistryFixture(Process process, int port, @Nullable String basic) {
    this.process = process;
    this.port = port;
    this.basic = basic;
  }

  static RegistryFixture start(Path dir) throws Exception {
    return start(dir, null, null);
  }

  static RegistryFixture start(Path dir, @Nullable String user, @Nullable String password) throws Exception {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(BINARY + " is missing: apt-get install docker-registry");
    }
    Files.createDirectories(dir);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    StringBuilder config = new StringBuilder("""
        version: 0.1
        log:
          level: error
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
        """.formatted(dir.resolve("storage"), port));
    String basic = null;
    if (user != null && password != null) {
      Path htpasswd = dir.resolve("htpasswd");
      Files.writeString(htpasswd, user + ":" + Bcrypt.hash(password) + "\n");
      config.append("""
          auth:
            htpasswd:
              realm: podshim-test
              path: %s
          """.formatted(htpasswd));
      basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
    Path file = dir.resolve("config.yml");
    Files.writeString(file, config);
    Process p = new ProcessBuilder(BINARY.toString(), "serve", file.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
    RegistryFixture f = new RegistryFixture(p, port, basic);
    f.awaitReady(dir.resolve("registry.log"));
    return f;
  }

  private void awaitReady(Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("docker-registry exited: " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/v2/")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("docker-registry did not answer on " + base());
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  String base() {
    return "http://" + host();
  }

  void push(String repo, String tag, TestImage image) throws Exception {
    for (TestImage.Blob b : image.blobs()) {
      pushBlob(repo, b.bytes());
    }
    pushManifest(repo, tag, image.manifest);
  }

  /** Pushes the images and an index of them under {@code tag}; returns the index. */
  TestImage.Blob pushIndex(String repo, String tag, List<TestImage> images) throws Exception {
    for (TestImage i : images) {
      for (TestImage.Blob b : i.blobs()) {
        pushBlob(repo, b.bytes());
      }
      pushManifest(repo, i.manifest.digest().toString(), i.manifest);
    }
    TestImage.Blob index = TestImage.index(images);
    pushManifest(repo, tag, index);
    return index;
  }

  void pushBlob(String repo, byte[] bytes) throws Exception {
    Digest d = Digest.sha256(bytes);
    HttpResponse<String> start = http.send(auth(HttpRequest.newBuilder(URI.create(base() + "/v2/" + repo + "/blobs/uploads/")))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    if (start.statusCode() != 202) {
      throw new IllegalStateException("start upload: " + start.statusCode() + " " + start.body());
    }
    URI location = URI.create(base() + "/").resolve(start.headers().firstValue("Location").orElseThrow());
    String sep = location.toString().contains("?") ? "&" : "?";
    HttpResponse<String> put = http.send(auth(HttpRequest.newBuilder(URI.create(location + sep + "digest=" + d)))
        .header("Content-Type", "application/octet-stream")
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(), HttpResponse.BodyHandlers.ofString());
    if (put.statusCode() != 201) {
      throw new IllegalStateException("upload blob " + d + ": " + put.statusCode() + " " + put.body());
    }
  }

  void pushManifest(String repo, String reference, TestImage.Blob manifest) throws Exception {
    HttpResponse<String> r = http.send(auth(HttpRequest.newBuilder(URI.create(base() + "/v2/" + repo + "/manifests/" + reference)))
        .header("Content-Type", manifest.mediaType())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes())).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("put manifest " + repo + ":" + reference + ": " + r.statusCode() + " " + r.body());
    }
  }

  private HttpRequest.Builder auth(HttpRequest.Builder b) {
    if (basic != null) {
      b.header("Authorization", basic);
    }
    return b;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
