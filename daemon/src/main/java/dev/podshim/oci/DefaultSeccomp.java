package dev.podshim.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;

/**
 * The RuntimeDefault seccomp profile (resource {@code seccomp-default.json}): deny with EPERM
 * by default, allow the ordinary system calls, and allow the privileged ones only to a container
 * holding the capability they need, as containerd and Docker filter their default profile when
 * they write a spec.
 */
public final class DefaultSeccomp {
  private static final String RESOURCE = "seccomp-default.json";
  private static final ObjectNode TEMPLATE = load();

  private DefaultSeccomp() {}

  /** The profile for a container with capabilities {@code caps} on this machine's architecture. */
  public static ObjectNode profile(Set<String> caps) {
    return profile(caps, hostArch());
  }

  /**
   * The profile for {@code arch} (Go's names: amd64, arm64) as an OCI {@code linux.seccomp}: rules
   * whose {@code includes} are not all met, or whose {@code excludes} are, are left out.
   */
  static ObjectNode profile(Set<String> caps, String arch) {
    ObjectNode result = TEMPLATE.objectNode();
    result.put("defaultAction", TEMPLATE.path("defaultAction").asText());
    result.put("defaultErrnoRet", TEMPLATE.path("defaultErrnoRet").asInt());
    JsonNode arches = TEMPLATE.path("archMap").path(arch);
    if (!arches.isArray()) {
      throw new IllegalStateException("the default seccomp profile has no architectures for " + arch);
    }
    result.set("architectures", arches.deepCopy());
    ArrayNode syscalls = result.putArray("syscalls");
    for (JsonNode rule : TEMPLATE.path("syscalls")) {
      if (applies(rule.path("includes"), caps, arch, true) && applies(rule.path("excludes"), caps, arch, false)) {
        ObjectNode copy = ((ObjectNode) rule).deepCopy();
        copy.remove("includes");
        copy.remove("excludes");
        syscalls.add(copy);
      }
    }
    return result;
  }

  /** includes: every cap and the arch (if listed) must match; excludes: none may. */
  private static boolean applies(JsonNode condition, Set<String> caps, String arch, boolean include) {
    for (JsonNode cap : condition.path("caps")) {
      if (caps.contains(cap.asText()) != include) {
        return false;
      }
    }
    JsonNode arches = condition.path("arches");
    if (!arches.isEmpty()) {
      boolean listed = false;
      for (JsonNode a : arches) {
        listed |= a.asText().equals(arch);
      }
      return listed == include;
    }
    return true;
  }

  static String hostArch() {
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> arch;
    };
  }

  private static ObjectNode load() {
    try (InputStream in = DefaultSeccomp.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the jar");
      }
      return (ObjectNode) new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + RESOURCE, e);
    }
  }
}
