package dev.podshim.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The {@code [runtimes]} table: OCI runtime handlers a sandbox's {@code runtime_handler} can name.
 *
 * <pre>
 * [runtimes.crun]
 * path = "/usr/bin/crun"
 * </pre>
 */
final class RuntimesTable {
  /** As kubelet's RuntimeClass handler names: a DNS label. */
  static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private RuntimesTable() {}

  static Map<String, Path> parse(JsonNode table) {
    if (!table.isObject()) {
      throw new ConfigException("runtimes: expected a table of [runtimes.NAME] entries");
    }
    Map<String, Path> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = table.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      if (!NAME.matcher(name).matches()) {
        throw new ConfigException("runtimes." + name + ": a handler name is a DNS label (lower case, digits, '-')");
      }
      JsonNode entry = e.getValue();
      if (!entry.isObject()) {
        throw new ConfigException("runtimes." + name + ": expected a table with path = \"...\"");
      }
      for (Iterator<String> keys = entry.fieldNames(); keys.hasNext(); ) {
        String key = keys.next();
        if (!key.equals("path")) {
          throw new ConfigException("runtimes." + name + "." + key + ": unknown key (expected path)");
        }
      }
      JsonNode path = entry.get("path");
      if (path == null || !path.isTextual() || !path.asText().startsWith("/")) {
        throw new ConfigException("runtimes." + name + ".path: expected the absolute path of the runtime binary");
      }
      out.put(name, Path.of(path.asText()));
    }
    return out;
  }
}
