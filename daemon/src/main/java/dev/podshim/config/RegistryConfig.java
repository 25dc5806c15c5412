package dev.podshim.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The {@code [registry]} table of the config file: mirrors per registry, insecure registries and
 * credentials, used by image pulls.
 */
public record RegistryConfig() {
  public static RegistryConfig empty() {
    return new RegistryConfig();
  }

  /** Parses the {@code [registry]} table; unknown keys and bad values name themselves. */
  static RegistryConfig parse(JsonNode table) {
    if (!table.isObject() || table.size() > 0) {
      throw new ConfigException("registry: registry settings are not supported yet");
    }
    return empty();
  }
}
