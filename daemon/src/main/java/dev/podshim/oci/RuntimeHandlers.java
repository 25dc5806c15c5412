package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OCI runtimes a sandbox's {@code runtime_handler} can name. "" (kubelet's default) is the
 * configured default: crun on a cgroup v2 node that has it, else runc. Each keeps its state under
 * {@code <state root>/runtimes/<handler>}.
 */
public final class RuntimeHandlers {
  private final Map<String, OciRuntime> byName;
  private final String defaultHandler;

  public RuntimeHandlers(Map<String, OciRuntime> byName, String defaultHandler) {
    // in name order: refusals and Status list them (Map.copyOf's order changes from run to run)
    this.byName = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(byName));
    this.defaultHandler = requireNonNull(defaultHandler, "defaultHandler");
    if (!this.byName.containsKey(defaultHandler)) {
      throw new IllegalArgumentException("no " + defaultHandler + " runtime handler");
    }
  }

  /** The configured handlers, runc the default. */
  public static RuntimeHandlers of(Path stateRoot, Map<String, Path> binaries, boolean systemdCgroup) {
    return of(stateRoot, binaries, systemdCgroup, "runc");
  }

  /** The configured handlers (runc always among them), each with its own state directory. */
  public static RuntimeHandlers of(Path stateRoot, Map<String, Path> binaries, boolean systemdCgroup,
      String defaultHandler) {
    requireNonNull(stateRoot, "stateRoot");
    Map<String, OciRuntime> handlers = new TreeMap<>();
    binaries.forEach((name, binary) -> handlers.put(name,
        new OciRuntime(name, binary, stateRoot.resolve("runtimes").resolve(name), systemdCgroup)));
    return new RuntimeHandlers(handlers, defaultHandler);
  }

  /** The handler "" means. */
  public String defaultHandler() {
    return defaultHandler;
  }

  /** The runtime for a handler name; INVALID_ARGUMENT naming it when unknown. */
  public OciRuntime get(String handler) {
    OciRuntime runtime = byName.get(handler.isEmpty() ? defaultHandler : handler);
    if (runtime == null) {
      throw CriException.invalidArgument("runtime handler \"" + handler + "\" is not configured (known: "
          + String.join(", ", byName.keySet()) + ")");
    }
    return runtime;
  }

  /**
   * The runtime that made a container, by the handler it recorded. A container records the handler
   * resolved; one recorded as "" was made before the default could be anything but runc.
   */
  public OciRuntime ofContainer(String recordedHandler) {
    return get(recordedHandler.isEmpty() ? "runc" : recordedHandler);
  }

  public boolean knows(String handler) {
    return handler.isEmpty() || byName.containsKey(handler);
  }

  /** Handler names, sorted. */
  public java.util.Set<String> names() {
    return byName.keySet();
  }
}
