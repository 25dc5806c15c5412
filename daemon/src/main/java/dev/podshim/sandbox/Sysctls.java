package dev.podshim.sandbox;

import dev.podshim.errors.CriException;
import dev.podshim.store.SandboxConfig.NamespaceModes;
import dev.podshim.os.NetNamespace;
import dev.podshim.os.OsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which sysctls a pod may set: only those the kernel keeps per namespace, and only for a
 * namespace the pod owns, so a pod can never change the node. Same rules as kubelet's
 * namespaced sysctl list.
 */
final class Sysctls {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.\\-/:@]*");
  /** net.ipv4.conf.eth0.x may name an interface CNI creates later: check the "default" twin. */
  private static final Pattern PER_INTERFACE = Pattern.compile("(net/ipv[46]/(?:conf|neigh))/([^/]+)/(.+)");
  private static final int MAX_VALUE = 1024;

  private final Path procSys;

  Sysctls(Path procSys) {
    this.procSys = procSys;
  }

  /** {@code net.ipv4.ip_forward} → {@code net/ipv4/ip_forward}; a key with '/' is already a path. */
  static String pathOf(String key) {
    return key.indexOf('/') >= 0 ? key : key.replace('.', '/');
  }

  void validate(Map<String, String> sysctls, NamespaceModes namespaces) {
    for (Map.Entry<String, String> e : sysctls.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      if (!KEY.matcher(key).matches() || key.contains("..") || key.contains("//")) {
        throw invalid(key, "is not a valid sysctl name");
      }
      if (value.length() > MAX_VALUE || value.chars().anyMatch(c -> c == '\n' || c == 0)) {
        throw invalid(key, "has an invalid value");
      }
      String path = pathOf(key);
      checkNamespaced(key, path, namespaces);
      Matcher perInterface = PER_INTERFACE.matcher(path);
      String probe = perInterface.matches() ? perInterface.group(1) + "/default/" + perInterface.group(3) : path;
      if (!Files.isRegularFile(procSys.resolve(probe))) {
        throw invalid(key, "is unknown to this kernel");
      }
    }
  }

  private static void checkNamespaced(String key, String path, NamespaceModes namespaces) {
    if (path.startsWith("net/")) {
      if (namespaces.hostNetwork()) {
        throw invalid(key, "would change the node: the pod uses the host network namespace");
      }
    } else if (path.startsWith("kernel/shm") || path.startsWith("kernel/msg") || path.equals("kernel/sem")
        || path.startsWith("fs/mqueue/")) {
      if (namespaces.hostIpc()) {
        throw invalid(key, "would change the node: the pod uses the host IPC namespace");
      }
    } else {
      throw invalid(key, "is not namespaced (pods may set net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)");
    }
  }

  /**
   * Whether the sysctl names an interface CNI has yet to create (net.ipv4.conf.eth0.*): those
   * are written after CNI ADD, the others by pause before it. all, default and lo exist from the
   * namespace's start.
   */
  static boolean namesAPodInterface(String key) {
    Matcher perInterface = PER_INTERFACE.matcher(pathOf(key));
    return perInterface.matches() && !Set.of("all", "default", "lo").contains(perInterface.group(2));
  }

  /** The sysctls pause applies as it creates the namespaces: all but {@link #namesAPodInterface}. */
  static Map<String, String> beforeNetwork(Map<String, String> sysctls) {
    return filter(sysctls, false);
  }

  /** The sysctls {@link #applyInPodNetwork} writes once CNI made the interfaces. */
  static Map<String, String> afterNetwork(Map<String, String> sysctls) {
    return filter(sysctls, true);
  }

  private static Map<String, String> filter(Map<String, String> sysctls, boolean podInterface) {
    Map<String, String> out = new TreeMap<>();
    sysctls.forEach((k, v) -> {
      if (namesAPodInterface(k) == podInterface) {
        out.put(k, v);
      }
    });
    return out;
  }

  /**
   * Writes interface sysctls in the pod's network namespace (pinned at {@code netns}). An
   * interface the network did not create is INVALID_ARGUMENT naming the sysctl.
   */
  void applyInPodNetwork(Path netns, Map<String, String> sysctls) {
    if (sysctls.isEmpty()) {
      return;
    }
    try {
      NetNamespace.run(netns, () -> {
        for (Map.Entry<String, String> e : sysctls.entrySet()) {
          Path file = procSys.resolve(pathOf(e.getKey()));
          if (!Files.exists(file)) {
            throw invalid(e.getKey(), "names an interface the pod network does not have");
          }
          Files.writeString(file, e.getValue());
        }
      });
    } catch (IOException | OsException e) {
      throw CriException.internal("config.linux.sysctls: write in the pod network namespace: " + e.getMessage(), e);
    }
  }

  private static CriException invalid(String key, String why) {
    return CriException.invalidArgument("config.linux.sysctls: sysctl \"" + key + "\" " + why);
  }
}
