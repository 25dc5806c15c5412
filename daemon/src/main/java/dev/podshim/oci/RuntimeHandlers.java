package dev.podshim.oci;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OCI runtimes a sandbox's {@code runtime_handler} can name. "" (kubelet's default) is runc.
 * Each keeps its state under {@code <state root>/runtimes/<handler>}.
 */
public final class RuntimeHandlers {
  public static final String DEFAULT = "runc";

  private final Map<String, OciRuntime> byName;

  public RuntimeHandlers(Map<String, OciRuntime> byName) {
    this.byName = Map.copyOf(new TreeMap<>(byName));
    if (!this.byName.containsKey(DEFAULT)) {
      throw new IllegalArgumentException("no " + DEFAULT + " runtime handler");
    }
  }

  /** The configured handlers (runc always among them), each with its own state directory. */
  public static RuntimeHandlers of(Path stateRoot, Map<String, Path> binaries, boolean systemdCgroup) {
    requireNonNull(stateRoot, "stateRoot");
    Map<String, OciRuntime> handlers = new TreeMap<>();
    binaries.forEach((name, binary) -> handlers.put(name,
        new OciRuntime(name, binary, stateRoot.resolve("runtimes").resolve(name), systemdCgroup)));
    return new RuntimeHandlers(handlers);
  }

  /** The runtime for a handler name; INVALID_ARGUMENT naming it when unknown. */
  public OciRuntime get(String handler) {
    OciRuntime runtime = byName.get(handler.isEmpty() ? DEFAULT : handler);
    if (runtime == null) {
      throw CriException.invalidArgument("runtime handler \"" + handler + "\" is not configured (known: "
          + String.join(", ", byName.keySet()) + ")");
    }
    return runtime;
  }

  public boolean knows(String handler) {
    return handler.isEmpty() || byName.containsKey(handler);
  }

  /** Handler names, sorted. */
  public java.util.Set<String> names() {
    return byName.keySet();
  }
}
