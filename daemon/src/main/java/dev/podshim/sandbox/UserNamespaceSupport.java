package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.os.OsException;
import dev.podshim.os.Spawn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which runtime handlers can run pods with a user namespace of their own, found out once at
 * start-up rather than assumed: the state root must be reachable by an unprivileged id, the kernel
 * must take id-mapped mounts on the filesystems a pod's files live on (the state root's, a tmpfs),
 * which pause tries with a throwaway user namespace, and the handler's OCI runtime must say in {@code features} that
 * it joins user namespaces. Status announces the result; RunPodSandbox refuses the rest.
 */
public final class UserNamespaceSupport {
  private static final Logger LOG = LoggerFactory.getLogger(UserNamespaceSupport.class);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  /** Handler name ("" for the default) → null when supported, else why not. */
  private final Map<String, String> refusals;

  UserNamespaceSupport(Map<String, String> refusals) {
    this.refusals = new TreeMap<>(refusals);
  }

  /** Probes this node for the handlers configured, "" being {@code defaultHandler}. */
  public static UserNamespaceSupport probe(Path pauseBinary, Path stateRoot, Map<String, Path> runtimes,
      String defaultHandler) {
    requireNonNull(pauseBinary, "pauseBinary");
    String searchable = searchableRefusal(stateRoot);
    String kernel = searchable.isEmpty() ? kernelRefusal(pauseBinary, stateRoot) : searchable;
    Map<String, String> refusals = new TreeMap<>();
    runtimes.forEach((name, binary) -> refusals.put(name, kernel.isEmpty() ? runtimeRefusal(binary) : kernel));
    refusals.put("", refusals.getOrDefault(defaultHandler, "no runtime handler " + defaultHandler));
    refusals.forEach((name, why) -> LOG.atInfo().addKeyValue("runtime_handler", name)
        .log(why.isEmpty() ? "user namespaces: supported" : "user namespaces: not supported: {}", why));
    return new UserNamespaceSupport(refusals);
  }

  public boolean supports(String handler) {
    return "".equals(refusals.get(handler));
  }

  /** Why {@code handler} cannot run pods with a user namespace; empty when it can. */
  public String refusal(String handler) {
    return refusals.getOrDefault(handler, "unknown runtime handler");
  }

  /**
   * Empty when every directory from / to the state root lets others search it: runc's init, as
   * the pod's root (an unprivileged host id), reaches the rootfs and mounts through them.
   */
  static String searchableRefusal(Path stateRoot) {
    for (Path dir = stateRoot.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      try {
        if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          return dir + " is not searchable by others, and a pod's root must pass it";
        }
      } catch (IOException e) {
        return "read the mode of " + dir + ": " + e.getMessage();
      }
    }
    return "";
  }

  /**
   * Empty when pause made an id-mapped mount on the state root's filesystem (image layers and
   * pod files live there; a rootfs is an overlayfs of id-mapped layers) and on a tmpfs (the pod's
   * /dev/shm, kubelet's memory-backed volumes), else what failed.
   */
  static String kernelRefusal(Path pauseBinary, Path stateRoot) {
    try {
      Spawn.Result result = Spawn.run(List.of(pauseBinary.toString(), "--probe-idmap", stateRoot.toString(),
          "/dev/shm"), PROBE_TIMEOUT);
      if (result.exitStatus() != 0) {
        return "no id-mapped mounts here: " + (result.stdout() + result.stderr()).strip().replace('\n', ';');
      }
      return "";
    } catch (OsException | IllegalArgumentException e) {
      return "id-mapped mount probe: " + e.getMessage();
    }
  }

  /** Empty when the runtime's {@code features} lists the user namespace, else why not. */
  static String runtimeRefusal(Path binary) {
    try {
      Spawn.Result result = Spawn.run(List.of(binary.toString(), "features"), PROBE_TIMEOUT);
      if (result.exitStatus() != 0) {
        return binary + " features: exited " + result.exitStatus() + " (" + result.stderr().strip()
            + "), so it cannot say whether it joins user namespaces";
      }
      JsonNode namespaces = new ObjectMapper().readTree(result.stdout()).path("linux").path("namespaces");
      for (JsonNode ns : namespaces) {
        if (ns.asText().equals("user")) {
          return "";
        }
      }
      return binary + " features: lists no user namespace";
    } catch (IOException | OsException | IllegalArgumentException e) {
      return binary + " features: " + e.getMessage();
    }
  }
}
