package dev.podshim;

import dev.podshim.config.ConfigLoader;
import dev.podshim.config.DaemonConfig;
import dev.podshim.store.SandboxConfig;
import dev.podshim.store.SandboxMetadata;
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
 * <p>The training start takes the paths a real start takes: its settings come from a TOML file
 * (the packaged unit has one; the TOML parser's classes took 80 ms of a start when only flags
 * had trained), and its state root holds one stopped sandbox, so that recovery reads state files
 * as it does after a restart.
 *
 * <p>Start-up only, on purpose: the JVM loads every class of an AOT cache when it starts, so a
 * training that also drove RPCs (a client, pod runs, scrapes) made a 63 MB cache, 20 MB more
 * resident memory and a slower start (BENCHMARKS.md, "Start-up"). Classes the first calls need
 * are loaded as they come.
 */
final class AotTraining {
  private static final String SANDBOX_ID = "a".repeat(64);

  private AotTraining() {}

  static int run() throws Exception {
    Path root = Files.createTempDirectory("podshim-aot-train");
    try {
      Path state = root.resolve("state");
      seedStoppedSandbox(state);
      Path file = root.resolve("podshim.toml");
      Files.writeString(file, """
          socket = "%s"
          root = "%s"
          metrics_address = "127.0.0.1:0"
          log_level = "warn"
          cni_conf_dir = "%s"
          cni_default_network = false
          stream_port = 0

          [registry.mirrors."docker.io"]
          endpoints = ["http://127.0.0.1:1"]
          """.formatted(root.resolve("podshim.sock"), state, root.resolve("no-cni")));
      DaemonConfig config = new ConfigLoader().load(List.of("--config", file.toString()));
      try (Daemon daemon = new Daemon(config)) {
        daemon.start();
      }
      return 0;
    } finally {
      SandboxStore.deleteTree(root);
    }
  }

  /** A sandbox whose pause has exited: recovery reads it and lists it NOTREADY, touching no process. */
  private static void seedStoppedSandbox(Path state) {
    var sandbox = new SandboxStore(state).create(new SandboxMetadata(SANDBOX_ID, "aot-train",
        SandboxConfig.unreadable(SANDBOX_ID), System.currentTimeMillis() * 1_000_000L, ""));
    sandbox.updateStatus(s -> s.asCreated().withExit(System.currentTimeMillis() * 1_000_000L, 0));
  }
}
