package dev.podshim.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A JDK HttpServer on 127.0.0.1 in front of a test registry. It counts requests per path and can
 * play the parts a registry plays elsewhere: demand Bearer tokens it issues at {@code /token}
 * (after checking Basic credentials), redirect blob downloads to {@code /storage/…} (which must
 * arrive without the registry's Authorization header), and corrupt one blob.
 */
final class RegistryProxy implements AutoCloseable {
  private final HttpServer server;
  private final String upstream;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  final List<String> storageAuthHeaders = new CopyOnWriteArrayList<>();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  volatile boolean bearer;
  volatile @Nullable String tokenUser;
  volatile @Nullable String tokenPassword;
  volatile boolean redirectBlobs;
  volatile @Nullable String corruptDigest;
  volatile @Nullable String truncateDigest;
  volatile long delayBlobMillis;

  RegistryProxy(String upstreamBase) throws IOException {
    this.upstream = upstreamBase;
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  int count(String pathPart) {
    return counts.entrySet().stream().filter(e -> e.getKey().contains(pathPart)).mapToInt(e -> e.getValue().get()).sum();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String query = ex.getRequestURI().getRawQuery();
      counts.computeIfAbsent(ex.getRequestMethod() + " " + path, k -> new AtomicInteger()).incrementAndGet();
      if (path.equals("/token")) {
        token(ex);
        return;
      }
      if (path.startsWith("/storage/")) {
        storageAuthHeaders.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
        forward(ex, path.substring("/storage".length()), query);
        return;
      }
      if (bearer && path.startsWith("/v2/")) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
          String repo = path.replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs)/.*$", "");
          ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host() + "/token\",service=\"test-registry\",scope=\"repository:" + repo + ":pull\"");
          send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
          return;
        }
      }
      if (redirectBlobs && path.contains("/blobs/") && ex.getRequestMethod().equals("GET")) {
        // another origin, as blob storage is: the registry's Authorization must not follow
        ex.getResponseHeaders().add("Location", "http://localhost:" + server.getAddress().getPort() + "/storage" + path);
        ex.sendResponseHeaders(307, -1);
        return;
      }
      forward(ex, path, query);
    }
  }

  private void token(HttpExchange ex) throws IOException {
    if (tokenUser != null) {
      String expected = "Basic " + Base64.getEncoder().encodeToString((tokenUser + ":" + tokenPassword).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        send(ex, 401, "{\"details\":\"incorrect username or password\"}");
        return;
      }
    }
    String query = String.valueOf(ex.getRequestURI().getQuery());
    if (!query.contains("service=test-registry") || !query.contains("scope=repository:")) {
      send(ex, 400, "{\"details\":\"missing service or scope\"}");
      return;
    }
    String t = UUID.randomUUID().toString();
    tokens.add(t);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    send(ex, 200, "{\"token\":\"" + t + "\",\"expires_in\":300}");
  }

  private void forward(HttpExchange ex, String path, @Nullable String query) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(upstream + path + (query == null ? "" : "?" + query)))
        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(ex.getRequestBody().readAllBytes()));
    String accept = ex.getRequestHeaders().getFirst("Accept");
    if (accept != null) {
      b.header("Accept", accept);
    }
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    r.headers().map().forEach((k, vs) -> {
      if (!k.equalsIgnoreCase("content-length") && !k.equalsIgnoreCase("transfer-encoding") && !k.equals(":status")
          && !k.equalsIgnoreCase("connection")) {
        vs.forEach(v -> ex.getResponseHeaders().add(k, v));
      }
    });
    String corrupt = corruptDigest;
    boolean mangle = corrupt != null && path.endsWith("/blobs/" + corrupt) && ex.getRequestMethod().equals("GET");
    String truncate = truncateDigest;
    boolean cut = truncate != null && path.endsWith("/blobs/" + truncate) && ex.getRequestMethod().equals("GET");
    long length = r.headers().firstValueAsLong("Content-Length").orElse(0);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(r.statusCode(), -1);
      r.body().close();
      return;
    }
    ex.sendResponseHeaders(r.statusCode(), length == 0 ? -1 : length);
    try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
      byte[] buf = new byte[64 * 1024];
      boolean first = true;
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (mangle && first && n > 0) {
          buf[n / 2] ^= 0x55;
          first = false;
        }
        if (delayBlobMillis > 0 && path.contains("/blobs/")) {
          try {
            Thread.sleep(delayBlobMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        out.write(buf, 0, n);
        if (cut) {
          out.flush();
          throw new IOException("connection cut by the test proxy"); // the client sees a short body
        }
      }
    }
  }

  private static void send(HttpExchange ex, int code, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(code, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
