package dev.podshim.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A validated CNI network configuration list, and the per-plugin request configurations derived
 * from it (CNI spec, "Deriving request configuration from plugin configuration").
 *
 * @param json the list as JSON text; what an attachment caches so that DEL runs exactly what ADD ran
 */
record NetworkConfigList(String name, String cniVersion, boolean disableCheck, List<ObjectNode> plugins, String json) {

  /** Versions whose result format (interfaces + ips with addresses in CIDR form) we read. */
  static final List<String> SUPPORTED_VERSIONS = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

  // The spec's rule for network names; plugin types become file names, so no separators.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");
  private static final Pattern PLUGIN_TYPE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-]*");

  NetworkConfigList {
    plugins = List.copyOf(plugins);
  }

  /**
   * Parses a {@code .conflist}, or a single-plugin {@code .conf} (any object without a
   * {@code plugins} array) which is wrapped into a list of one, as libcni does.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static NetworkConfigList parse(String text) {
    ObjectNode root = Json.object(text, "config");
    ObjectNode list;
    if (root.has("plugins")) {
      list = root;
    } else {
      list = Json.MAPPER.createObjectNode();
      list.set("cniVersion", root.get("cniVersion"));
      list.set("name", root.get("name"));
      list.putArray("plugins").add(root);
    }
    String name = requiredText(list, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("name \"" + name + "\" must start with a letter or digit followed by letters, digits, '_', '.' or '-'");
    }
    String version = chooseVersion(list);
    list.put("cniVersion", version);
    list.remove("cniVersions");
    JsonNode pluginsNode = list.get("plugins");
    if (!(pluginsNode instanceof ArrayNode array) || array.isEmpty()) {
      throw new IllegalArgumentException("\"plugins\" must be a non-empty array");
    }
    List<ObjectNode> plugins = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      if (!(array.get(i) instanceof ObjectNode plugin)) {
        throw new IllegalArgumentException("plugins[" + i + "] is not an object");
      }
      checkType(plugin, "plugins[" + i + "]");
      JsonNode ipam = plugin.get("ipam");
      if (ipam instanceof ObjectNode ipamObject && ipamObject.has("type")) {
        checkType(ipamObject, "plugins[" + i + "].ipam");
      }
      plugins.add(plugin);
    }
    return new NetworkConfigList(name, version, list.path("disableCheck").asBoolean(false), plugins, Json.write(list));
  }

  /** Every executable the list needs: plugin types and delegated IPAM types, in order. */
  List<String> executables() {
    Set<String> types = new LinkedHashSet<>();
    for (ObjectNode plugin : plugins) {
      types.add(plugin.get("type").asText());
      JsonNode ipamType = plugin.path("ipam").path("type");
      if (ipamType.isTextual() && !ipamType.asText().isEmpty()) {
        types.add(ipamType.asText());
      }
    }
    return List.copyOf(types);
  }

  String type(int index) {
    return plugins.get(index).get("type").asText();
  }

  /** Whether CHECK and prevResult on DEL exist at this list's version (both came with 0.4.0). */
  boolean hasCheck() {
    return compareVersions(cniVersion, "0.4.0") >= 0;
  }

  /**
   * The configuration plugin {@code index} receives on stdin: its own config with the list's name
   * and version, {@code runtimeConfig} holding the capability arguments it declared, and
   * {@code prevResult} when there is one. {@code capabilities} is dropped, as spec 1.1 asks.
   */
  ObjectNode requestConfig(int index, ObjectNode capabilityArgs, @Nullable JsonNode prevResult) {
    ObjectNode plugin = plugins.get(index);
    ObjectNode request = plugin.deepCopy();
    request.put("cniVersion", cniVersion);
    request.put("name", name);
    request.remove("capabilities");
    ObjectNode runtimeConfig = Json.MAPPER.createObjectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = plugin.path("capabilities").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> capability = it.next();
      if (capability.getValue().asBoolean(false) && capabilityArgs.has(capability.getKey())) {
        runtimeConfig.set(capability.getKey(), capabilityArgs.get(capability.getKey()).deepCopy());
      }
    }
    if (!runtimeConfig.isEmpty()) {
      request.set("runtimeConfig", runtimeConfig);
    }
    if (prevResult != null) {
      request.set("prevResult", prevResult.deepCopy());
    }
    return request;
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Integer.compare(i < x.length ? parseOr0(x[i]) : 0, i < y.length ? parseOr0(y[i]) : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  // 1.1.0 lists may offer "cniVersions"; take the newest one we read, else fall back to cniVersion.
  private static String chooseVersion(ObjectNode list) {
    @Nullable String best = null;
    if (list.get("cniVersions") instanceof ArrayNode offered) {
      for (JsonNode v : offered) {
        if (SUPPORTED_VERSIONS.contains(v.asText()) && (best == null || compareVersions(v.asText(), best) > 0)) {
          best = v.asText();
        }
      }
    }
    if (best != null) {
      return best;
    }
    String version = requiredText(list, "cniVersion");
    if (!SUPPORTED_VERSIONS.contains(version)) {
      throw new IllegalArgumentException("cniVersion \"" + version + "\" is not supported (podshim supports "
          + String.join(", ", SUPPORTED_VERSIONS) + ")");
    }
    return version;
  }

  private static void checkType(ObjectNode plugin, String where) {
    JsonNode type = plugin.get("type");
    if (type == null || !type.isTextual() || type.asText().isEmpty()) {
      throw new IllegalArgumentException(where + ": missing \"type\"");
    }
    if (!PLUGIN_TYPE.matcher(type.asText()).matches()) {
      throw new IllegalArgumentException(where + ": type \"" + type.asText() + "\" is not a plugin name");
    }
  }

  private static String requiredText(ObjectNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual() || value.asText().isEmpty()) {
      throw new IllegalArgumentException("missing \"" + field + "\"");
    }
    return value.asText();
  }

  private static int parseOr0(String s) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
