package dev.podshim.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code [registry]} table of the config file: mirrors per registry, insecure registries,
 * credentials, and images that must never be removed.
 *
 * <pre>
 * [registry]
 * insecure = ["myreg:5000"]                       # plain HTTP / no TLS verification
 * pinned_images = ["registry.k8s.io/pause:3.10"]  # RemoveImage refuses these
 * [registry.mirrors."registry.k8s.io"]
 * endpoints = ["http://127.0.0.1:5000"]           # tried in order, then the registry itself
 * [registry.auth."myreg:5000"]
 * username = "u"
 * password = "p"                                  # or auth = base64("u:p"), or identity_token
 * </pre>
 *
 * @param mirrors endpoints to try, in order, before the registry host itself; keyed by registry host
 * @param insecure registry hosts (host[:port]) reached over plain HTTP
 * @param auth credentials keyed by registry host (or mirror host)
 * @param pinnedImages image references that RemoveImage refuses and ImageStatus reports pinned
 */
public record RegistryConfig(
    Map<String, List<URI>> mirrors,
    Set<String> insecure,
    Map<String, Credentials> auth,
    List<String> pinnedImages) {

  /** Credentials for one registry: a user name and password, or an identity (refresh) token. */
  public record Credentials(
      String username,
      // never shown: verbose Status serialises the config
      @com.fasterxml.jackson.annotation.JsonIgnore String password,
      @com.fasterxml.jackson.annotation.JsonIgnore String identityToken) {
    public Credentials {
      java.util.Objects.requireNonNull(username, "username");
      java.util.Objects.requireNonNull(password, "password");
      java.util.Objects.requireNonNull(identityToken, "identityToken");
    }

    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=" + (password.isEmpty() ? "" : "***")
          + ", identityToken=" + (identityToken.isEmpty() ? "" : "***") + "]";
    }
  }

  public RegistryConfig {
    mirrors = Map.copyOf(mirrors);
    insecure = Set.copyOf(insecure);
    auth = Map.copyOf(auth);
    pinnedImages = List.copyOf(pinnedImages);
  }

  public static RegistryConfig empty() {
    return new RegistryConfig(Map.of(), Set.of(), Map.of(), List.of());
  }

  /** Mirror endpoints configured for {@code host}, in the order to try them; empty when none. */
  public List<URI> mirrorsFor(String host) {
    return mirrors.getOrDefault(host, List.of());
  }

  public boolean isInsecure(String host) {
    return insecure.contains(host);
  }

  public Optional<Credentials> credentialsFor(String host) {
    return Optional.ofNullable(auth.get(host));
  }

  /** Parses the {@code [registry]} table; unknown keys and bad values name themselves. */
  static RegistryConfig parse(JsonNode table) {
    if (!table.isObject()) {
      throw new ConfigException("registry: expected a table");
    }
    Map<String, List<URI>> mirrors = new LinkedHashMap<>();
    Set<String> insecure = new LinkedHashSet<>();
    Map<String, Credentials> auth = new LinkedHashMap<>();
    List<String> pinned = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = "registry." + e.getKey();
      switch (e.getKey()) {
        case "mirrors" -> forEachHost(key, e.getValue(), (host, hostKey, node) -> {
          List<URI> endpoints = new ArrayList<>();
          for (Iterator<Map.Entry<String, JsonNode>> f = node.fields(); f.hasNext(); ) {
            Map.Entry<String, JsonNode> field = f.next();
            String fieldKey = hostKey + "." + field.getKey();
            if (!field.getKey().equals("endpoints")) {
              throw new ConfigException(fieldKey + ": unknown key (expected endpoints)");
            }
            List<String> values = strings(fieldKey, field.getValue());
            for (int i = 0; i < values.size(); i++) {
              endpoints.add(endpoint(fieldKey + "[" + i + "]", values.get(i)));
            }
          }
          mirrors.put(host, List.copyOf(endpoints));
        });
        case "insecure" -> {
          List<String> values = strings(key, e.getValue());
          for (int i = 0; i < values.size(); i++) {
            insecure.add(host(key + "[" + i + "]", values.get(i)));
          }
        }
        case "auth" -> forEachHost(key, e.getValue(), (host, hostKey, node) -> auth.put(host, credentials(hostKey, node)));
        case "pinned_images" -> {
          List<String> values = strings(key, e.getValue());
          for (int i = 0; i < values.size(); i++) {
            if (values.get(i).isBlank()) {
              throw new ConfigException(key + "[" + i + "]: empty image reference");
            }
            pinned.add(values.get(i).trim());
          }
        }
        default -> throw new ConfigException(key + ": unknown key (expected mirrors, insecure, auth or pinned_images)");
      }
    }
    return new RegistryConfig(mirrors, insecure, auth, pinned);
  }

  private interface HostEntry {
    void accept(String host, String key, JsonNode node);
  }

  private static void forEachHost(String key, JsonNode node, HostEntry each) {
    if (!node.isObject()) {
      throw new ConfigException(key + ": expected a table of registry hosts");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String hostKey = key + ".\"" + e.getKey() + "\"";
      String host = host(hostKey, e.getKey());
      if (!e.getValue().isObject()) {
        throw new ConfigException(hostKey + ": expected a table");
      }
      each.accept(host, hostKey, e.getValue());
    }
  }

  private static Credentials credentials(String key, JsonNode node) {
    String username = "";
    String password = "";
    String identityToken = "";
    String basic = "";
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String fieldKey = key + "." + e.getKey();
      String value = string(fieldKey, e.getValue());
      switch (e.getKey()) {
        case "username" -> username = value;
        case "password" -> password = value;
        case "identity_token" -> identityToken = value;
        case "auth" -> basic = value;
        default -> throw new ConfigException(fieldKey + ": unknown key (expected username, password, auth or identity_token)");
      }
    }
    if (!basic.isEmpty()) {
      String decoded;
      try {
        decoded = new String(java.util.Base64.getDecoder().decode(basic.trim()), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(key + ".auth: not base64: " + ex.getMessage());
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new ConfigException(key + ".auth: expected base64 of user:password");
      }
      username = decoded.substring(0, colon);
      password = decoded.substring(colon + 1);
    }
    if (username.isEmpty() && identityToken.isEmpty()) {
      throw new ConfigException(key + ": expected username and password, auth, or identity_token");
    }
    if (!username.isEmpty() && password.isEmpty() && identityToken.isEmpty()) {
      throw new ConfigException(key + ".password: missing for username " + username);
    }
    return new Credentials(username, password, identityToken);
  }

  private static String host(String key, String value) {
    String v = value.trim();
    if (v.isEmpty() || v.contains("/") || v.contains(" ") || v.contains("://")) {
      throw new ConfigException(key + ": expected a registry host[:port], got \"" + value + "\"");
    }
    return v;
  }

  private static URI endpoint(String key, String value) {
    URI uri;
    try {
      uri = new URI(value.trim());
    } catch (URISyntaxException e) {
      throw new ConfigException(key + ": not a URL: " + e.getMessage());
    }
    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
      throw new ConfigException(key + ": expected an http:// or https:// URL, got \"" + value + "\"");
    }
    if (uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
      throw new ConfigException(key + ": expected scheme://host[:port][/path], got \"" + value + "\"");
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    if (path.endsWith("/v2")) {
      path = path.substring(0, path.length() - 3);
    }
    return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + path);
  }

  private static List<String> strings(String key, JsonNode node) {
    if (!node.isArray()) {
      throw new ConfigException(key + ": expected a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      out.add(string(key + "[" + i + "]", node.get(i)));
    }
    return out;
  }

  private static String string(String key, JsonNode node) {
    if (!node.isTextual()) {
      throw new ConfigException(key + ": expected a string");
    }
    return node.asText();
  }
}
