package dev.podshim;

import dev.podshim.config.ConfigLoader;
import dev.podshim.config.DaemonConfig;
import dev.podshim.store.SandboxStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code podshimd aot-train}: the training run of the JDK's AOT cache. Run under
 * {@code -XX:AOTCacheOutput=FILE} with the production flags (scripts/run.sh does it once per
 * build, an installer once per install), it starts a daemon on a temporary state root and socket
 * up to "ready", stops it and exits; the JVM then writes the classes it loaded and linked into
 * FILE, and a daemon started with {@code -XX:AOTCache=FILE} maps them instead of loading them from
 * the jars.
 *
 * <p>Start-up only, on purpose: the JVM loads every class of an AOT cache when it starts, so a
 * training that also drove RPCs (a client, pod runs, scrapes) made a 63 MB cache, 20 MB more
 * resident memory and a slower start (BENCHMARKS.md, "Start-up"). Classes the first calls need
 * are loaded as they come.
 */
final class AotTraining {
  private AotTraining() {}

  static int run() throws Exception {
    Path root = Files.createTempDirectory("podshim-aot-train");
    try {
      DaemonConfig config = new ConfigLoader().load(List.of("--root", root.resolve("state").toString(),
          "--socket", root.resolve("podshim.sock").toString(), "--metrics-address", "127.0.0.1:0",
          "--cni-conf-dir", root.resolve("no-cni").toString(), "--cni-default-network", "false",
          "--log-level", "warn"));
      try (Daemon daemon = new Daemon(config)) {
        daemon.start();
      }
      return 0;
    } finally {
      SandboxStore.deleteTree(root);
    }
  }
}
