package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.noNul;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.image.ImageConfig;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerConfig.Env;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the container's process runs: its arguments, environment and working directory. */
final class SpecCommand {
  static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  private SpecCommand() {}

  /**
   * Docker's rule: the config's command replaces the image's entrypoint and cmd; otherwise the
   * image's entrypoint runs with the config's args, or the image's cmd when there are none.
   */
  static List<String> args(ContainerConfig config, ImageConfig image) {
    noNul("config.command", config.command());
    noNul("config.args", config.args());
    List<String> args = new ArrayList<>();
    if (!config.command().isEmpty()) {
      args.addAll(config.command());
      args.addAll(config.args());
    } else {
      args.addAll(noNul("image " + image.id() + " entrypoint", image.entrypoint()));
      args.addAll(config.args().isEmpty() ? noNul("image " + image.id() + " cmd", image.cmd()) : config.args());
    }
    if (args.isEmpty()) {
      throw invalid("config.command", "no command specified (neither the config nor image " + image.id()
          + " has one)");
    }
    return List.copyOf(args);
  }

  /**
   * containerd's order: PATH and HOSTNAME defaults, then the image's variables, then the
   * config's; a later value for a key replaces the earlier one where that one stood.
   */
  static List<String> env(ContainerConfig config, ImageConfig image, String hostname) {
    Map<String, String> byKey = new LinkedHashMap<>();
    put(byKey, DEFAULT_PATH);
    put(byKey, "HOSTNAME=" + hostname);
    noNul("image " + image.id() + " env", image.env()).forEach(entry -> put(byKey, entry));
    for (int i = 0; i < config.envs().size(); i++) {
      Env env = config.envs().get(i);
      String field = "config.envs[" + i + "]";
      noNul(field + ".key", env.key());
      noNul(field + ".value", env.value());
      if (env.key().isEmpty()) {
        throw invalid(field + ".key", "must not be empty");
      }
      if (env.key().indexOf('=') >= 0) {
        throw invalid(field + ".key", quoted(env.key()) + " must not contain '='");
      }
      byKey.put(env.key(), env.key() + "=" + env.value());
    }
    return List.copyOf(byKey.values());
  }

  private static void put(Map<String, String> byKey, String entry) {
    int eq = entry.indexOf('=');
    byKey.put(eq < 0 ? entry : entry.substring(0, eq), entry);
  }

  /** The config's working dir, else the image's, else /; it must be absolute. */
  static String cwd(ContainerConfig config, ImageConfig image) {
    if (!config.workingDir().isEmpty()) {
      return Fields.absolute("config.working_dir", config.workingDir());
    }
    if (!image.workingDir().isEmpty()) {
      return Fields.absolute("image " + image.id() + " working dir", image.workingDir());
    }
    return "/";
  }
}
