package dev.podshim.api;

import dev.podshim.sandbox.Namespace;
import dev.podshim.sandbox.SandboxService;
import dev.podshim.store.Container;
import dev.podshim.store.Sandbox;
import dev.podshim.store.SandboxStatus;
import dev.podshim.store.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;

/** The "info" JSON of a verbose status, in the shape crictl inspectp and inspect show. */
final class VerboseInfo {
  private VerboseInfo() {}

  /** pid, namespace paths, cgroup, directory and the config of a sandbox. */
  static String of(Sandbox sandbox) {
    SandboxStatus status = sandbox.status();
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("pid", status.pid());
    info.put("pauseAlive", status.pauseAlive());
    if (sandbox.unreadable() != null) {
      info.put("unreadable", sandbox.unreadable());
    }
    if (status.exitedAtNanos() != 0) {
      info.put("pauseExitCode", status.exitCode());
    }
    // the pins RunPodSandbox made, from the config rather than a stat of each file per call: a
    // created sandbox holds them until it is removed
    Map<String, String> namespaces = new LinkedHashMap<>();
    if (status.created()) {
      var pinned = SandboxService.namespacesOf(sandbox.metadata().config());
      for (Namespace ns : Namespace.values()) {
        if (pinned.contains(ns)) {
          namespaces.put(ns.procName(), sandbox.nsDir().resolve(ns.procName()).toString());
        }
      }
    }
    info.put("namespaces", namespaces);
    info.put("cgroupPath", sandbox.metadata().cgroupPath());
    if (status.podResources() != null) {
      info.put("podResources", status.podResources());
    }
    info.put("sandboxDir", sandbox.dir().toString());
    info.put("config", sandbox.metadata().config());
    return StateFile.toJson(info);
  }

  /** pid, bundle, the OCI spec, sandbox id and runtime handler of a container. */
  static String of(Container c) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("sandboxID", c.metadata().sandboxId());
    info.put("pid", c.status().pid());
    info.put("conmonPid", c.status().conmonPid());
    info.put("runtimeHandler", c.metadata().runtimeHandler().isEmpty() ? "runc" : c.metadata().runtimeHandler());
    info.put("bundle", c.bundle().toString());
    info.put("config", c.metadata().config());
    try {
      // the spec is large and not kept in memory: read from the bundle when the info is made
      info.put("runtimeSpec", StateFile.parseJson(Files.readAllBytes(c.bundle().resolve("config.json"))));
    } catch (IOException e) {
      info.put("runtimeSpecError", e.getMessage());
    }
    return StateFile.toJson(info);
  }
}
