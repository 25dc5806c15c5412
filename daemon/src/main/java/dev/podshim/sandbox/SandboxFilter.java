package dev.podshim.sandbox;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * ListPodSandbox's filter; every part is optional and all present parts must match.
 *
 * @param idPrefix an id or unique prefix; empty matches all
 * @param ready READY (true) or NOTREADY (false); null matches both
 * @param labels every pair must be among the sandbox's labels
 */
public record SandboxFilter(String idPrefix, @Nullable Boolean ready, Map<String, String> labels) {
  public SandboxFilter {
    labels = Map.copyOf(labels);
  }

  public static SandboxFilter all() {
    return new SandboxFilter("", null, Map.of());
  }
}
