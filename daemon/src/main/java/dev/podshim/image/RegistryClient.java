package dev.podshim.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.config.RegistryConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution protocol, client side, for pulls: where to go for a registry (configured
 * mirrors in order, then the registry itself; HTTPS except for insecure registries and loopback),
 * how to authenticate (anonymous, Basic, or Bearer tokens fetched through the WWW-Authenticate
 * challenge, with identity or registry tokens from the request), and redirects to blob storage,
 * which never carry the registry's Authorization header to another host.
 */
final class RegistryClient {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration SMALL_REQUEST_TIMEOUT = Duration.ofMinutes(2);
  private static final int MAX_REDIRECTS = 10;
  private static final String USER_AGENT = "podshim";

  private final RegistryConfig config;
  /** Made at the first pull: the JDK's client (its selector thread, TLS and some 400 classes) is not needed before. */
  private final java.util.function.Supplier<HttpClient> httpFactory;
  private volatile @org.jspecify.annotations.Nullable HttpClient http;

  /** One place to pull from: a mirror or the registry itself. */
  record Endpoint(URI base, String host, boolean mirror) {
    @Override
    public String toString() {
      return base.toString();
    }
  }

  RegistryClient(RegistryConfig config) {
    this.config = config;
    this.httpFactory = () -> HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(CONNECT_TIMEOUT)
        .build();
  }

  RegistryClient(RegistryConfig config, HttpClient http) {
    this.config = config;
    this.httpFactory = () -> http;
    this.http = http;
  }

  private HttpClient http() {
    HttpClient client = http;
    if (client == null) {
      synchronized (this) {
        client = http;
        if (client == null) {
          client = httpFactory.get();
          http = client;
        }
      }
    }
    return client;
  }

  /** The endpoints to try for a registry, in order: its mirrors, then itself. */
  List<Endpoint> endpoints(String domain) {
    List<Endpoint> out = new ArrayList<>();
    for (URI m : config.mirrorsFor(domain)) {
      out.add(new Endpoint(m, m.getRawAuthority(), true));
    }
    String host = domain.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : domain;
    String scheme = config.isInsecure(domain) || isLoopback(domain) ? "http" : "https";
    out.add(new Endpoint(URI.create(scheme + "://" + host), domain, false));
    return out;
  }

  static boolean isLoopback(String hostPort) {
    String host = hostPort;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  Session open(Endpoint endpoint, ImageReference ref, PullAuth auth) {
    return new Session(endpoint, ref, credentials(endpoint, ref, auth), auth.registryToken());
  }

  /** Request credentials apply to the image's registry; a mirror uses its own configured ones. */
  private Optional<RegistryConfig.Credentials> credentials(Endpoint ep, ImageReference ref, PullAuth auth) {
    boolean forThis = !auth.isEmpty() && (auth.serverAddress().isEmpty() ? !ep.mirror()
        : serverHost(auth.serverAddress()).equals(ep.host())
            || (!ep.mirror() && serverHost(auth.serverAddress()).equals(ref.domain())));
    if (forThis && (!auth.username().isEmpty() || !auth.auth().isEmpty() || !auth.identityToken().isEmpty())) {
      String[] basic = auth.basic();
      return Optional.of(new RegistryConfig.Credentials(basic[0], basic[1], auth.identityToken()));
    }
    return config.credentialsFor(ep.host());
  }

  private static String serverHost(String address) {
    String s = address.replaceFirst("^[a-z]+://", "");
    int slash = s.indexOf('/');
    s = slash >= 0 ? s.substring(0, slash) : s;
    return s.equals("index.docker.io") || s.equals("registry-1.docker.io") ? ImageReference.DOCKER_HUB : s;
  }

  /** A manifest as served. */
  record Fetched(byte[] bytes, @Nullable String contentType, @Nullable String dockerContentDigest) {}

  /** Requests to one endpoint for one repository, sharing the authorization they earn. */
  final class Session {
    private final Endpoint endpoint;
    private final ImageReference ref;
    private final Optional<RegistryConfig.Credentials> credentials;
    private volatile @Nullable String authorization;

    private Session(Endpoint endpoint, ImageReference ref, Optional<RegistryConfig.Credentials> credentials,
        String registryToken) {
      this.endpoint = endpoint;
      this.ref = ref;
      this.credentials = credentials;
      this.authorization = registryToken.isEmpty() ? null : "Bearer " + registryToken;
    }

    Endpoint endpoint() {
      return endpoint;
    }

    private URI url(String kind, String reference) {
      return URI.create(endpoint.base() + "/v2/" + ref.path() + "/" + kind + "/" + reference);
    }

    Fetched manifest(String reference) throws IOException {
      URI uri = url("manifests", reference);
      HttpResponse<InputStream> r = send(uri, () -> HttpRequest.newBuilder().GET()
          .header("Accept", Manifests.ACCEPT).timeout(SMALL_REQUEST_TIMEOUT), "manifest " + reference);
      try (InputStream body = r.body()) {
        byte[] bytes = body.readNBytes(4 * 1024 * 1024 + 1);
        return new Fetched(bytes, r.headers().firstValue("Content-Type").orElse(null),
            r.headers().firstValue("Docker-Content-Digest").orElse(null));
      }
    }

    /** A blob's content stream; the caller closes it. */
    InputStream blob(Digest digest) throws IOException {
      return send(url("blobs", digest.toString()), () -> HttpRequest.newBuilder().GET(), "blob " + digest).body();
    }

    /**
     * Sends a GET, answering one authentication challenge and following redirects. Returns a
     * 200 response or throws a {@link RegistryException} with the body's error message.
     */
    private HttpResponse<InputStream> send(URI uri, Supplier<HttpRequest.Builder> request, String what) throws IOException {
      boolean challenged = false;
      URI current = uri;
      for (int hop = 0; hop <= MAX_REDIRECTS; ) {
        HttpRequest.Builder b = request.get().uri(current).header("User-Agent", USER_AGENT);
        String auth = authorization;
        if (auth != null && sameOrigin(current, endpoint.base())) {
          b.header("Authorization", auth);
        }
        HttpResponse<InputStream> r;
        try {
          r = http().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (java.net.http.HttpTimeoutException e) {
          throw new RegistryException(RegistryException.Reason.NETWORK, what + " from " + endpoint + ": timed out", e);
        } catch (IOException e) {
          throw new RegistryException(RegistryException.Reason.NETWORK, what + " from " + endpoint + ": "
              + (e.getMessage() == null ? (e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName()) : e.getMessage()), e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException(what + ": interrupted");
        }
        int code = r.statusCode();
        if (code == 200) {
          return r;
        }
        String message = errorMessage(r);
        if (code == 401 && !challenged && sameOrigin(current, endpoint.base())) {
          challenged = true;
          authorization = authorize(r.headers().allValues("WWW-Authenticate"), what);
          continue;
        }
        if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
          Optional<String> location = r.headers().firstValue("Location");
          if (location.isEmpty()) {
            throw new RegistryException(RegistryException.Reason.OTHER, what + ": redirect without Location");
          }
          current = current.resolve(location.get());
          hop++;
          LOG.atDebug().addKeyValue("to", current.getHost()).log("{} redirected", what);
          continue;
        }
        RegistryException.Reason reason = switch (code) {
          case 401, 403 -> RegistryException.Reason.AUTH;
          case 404 -> RegistryException.Reason.NOT_FOUND;
          case 408, 429, 500, 502, 503, 504 -> RegistryException.Reason.NETWORK;
          default -> RegistryException.Reason.OTHER;
        };
        String text = switch (reason) {
          case AUTH -> "pull access denied, repository does not exist or may require authorization";
          case NOT_FOUND -> "not found";
          default -> "unexpected status " + code;
        };
        throw new RegistryException(reason, what + " from " + endpoint + ": " + text + (message.isEmpty() ? "" : ": " + message));
      }
      throw new RegistryException(RegistryException.Reason.OTHER, what + ": more than " + MAX_REDIRECTS + " redirects");
    }

    /** The Authorization header that answers a challenge, fetching a token when it is Bearer. */
    private String authorize(List<String> challenges, String what) throws IOException {
      Map<String, String> bearer = null;
      boolean basic = false;
      for (String c : challenges) {
        String scheme = c.trim().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (scheme.equals("bearer")) {
          bearer = params(c.trim().substring(6));
        } else if (scheme.equals("basic")) {
          basic = true;
        }
      }
      if (bearer != null) {
        return "Bearer " + token(bearer, what);
      }
      if (basic) {
        RegistryConfig.Credentials c = credentials.filter(x -> !x.username().isEmpty()).orElseThrow(() ->
            new RegistryException(RegistryException.Reason.AUTH, what + " from " + endpoint
                + ": the registry requires authentication and no credentials were given"));
        return "Basic " + base64(c.username() + ":" + c.password());
      }
      throw new RegistryException(RegistryException.Reason.AUTH, what + " from " + endpoint
          + ": unauthorized, and no usable WWW-Authenticate challenge");
    }

    private String token(Map<String, String> challenge, String what) throws IOException {
      String realm = challenge.get("realm");
      if (realm == null || !(realm.startsWith("https://") || realm.startsWith("http://"))) {
        throw new RegistryException(RegistryException.Reason.AUTH, what + ": bearer challenge without an http(s) realm");
      }
      String service = challenge.getOrDefault("service", "");
      String scope = challenge.getOrDefault("scope", "repository:" + ref.path() + ":pull");
      HttpRequest.Builder b;
      RegistryConfig.Credentials c = credentials.orElse(null);
      if (c != null && !c.identityToken().isEmpty()) {
        String form = "grant_type=refresh_token&client_id=" + USER_AGENT + "&service=" + enc(service)
            + "&scope=" + enc(scope) + "&refresh_token=" + enc(c.identityToken());
        b = HttpRequest.newBuilder(URI.create(realm)).POST(HttpRequest.BodyPublishers.ofString(form))
            .header("Content-Type", "application/x-www-form-urlencoded");
      } else {
        String sep = realm.contains("?") ? "&" : "?";
        URI uri = URI.create(realm + sep + (service.isEmpty() ? "" : "service=" + enc(service) + "&") + "scope=" + enc(scope));
        b = HttpRequest.newBuilder(uri).GET();
        if (c != null && !c.username().isEmpty()) {
          b.header("Authorization", "Basic " + base64(c.username() + ":" + c.password()));
        }
      }
      b.header("User-Agent", USER_AGENT).timeout(SMALL_REQUEST_TIMEOUT);
      HttpResponse<byte[]> r;
      try {
        r = http().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        throw new RegistryException(RegistryException.Reason.NETWORK, what + ": token server " + realm + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("token request interrupted");
      }
      if (r.statusCode() == 401 || r.statusCode() == 403) {
        throw new RegistryException(RegistryException.Reason.AUTH, what + ": token server " + realm
            + " refused the credentials (" + r.statusCode() + ")");
      }
      if (r.statusCode() != 200) {
        throw new RegistryException(RegistryException.Reason.AUTH, what + ": token server " + realm + " answered " + r.statusCode());
      }
      JsonNode body = JSON.readTree(r.body());
      String token = body == null ? "" : body.path("token").asText(body.path("access_token").asText(""));
      if (token.isEmpty()) {
        throw new RegistryException(RegistryException.Reason.AUTH, what + ": token server " + realm + " returned no token");
      }
      return token;
    }
  }

  private static final Pattern PARAM = Pattern.compile("([A-Za-z0-9_-]+)\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\.)*)\"|([^,\\s]*))");

  /** The key="value" parameters of a challenge. */
  static Map<String, String> params(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(s);
    while (m.find()) {
      String v = m.group(2) != null ? m.group(2).replaceAll("\\\\(.)", "$1") : m.group(3);
      out.put(m.group(1).toLowerCase(Locale.ROOT), v);
    }
    return out;
  }

  private static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
        && port(a) == port(b);
  }

  private static int port(URI u) {
    return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
  }

  private static String errorMessage(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      byte[] bytes = in.readNBytes(64 * 1024);
      JsonNode n = JSON.readTree(bytes);
      if (n != null && n.path("errors").isArray() && !n.path("errors").isEmpty()) {
        JsonNode e = n.path("errors").get(0);
        return (e.path("code").asText("") + " " + e.path("message").asText("")).trim();
      }
      return "";
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String base64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
