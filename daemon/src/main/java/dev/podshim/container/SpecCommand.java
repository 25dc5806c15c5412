package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.noNul;
import static dev.podshim.container.Fields.quoted;

import dev.podshim.image.ImageConfig;
import dev.podshim.store.ContainerConfig;
import dev.podshim.store.ContainerConfig.Env;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

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
    if (args.getFirst().isEmpty()) {
      throw invalid("config.command", "the program to run is an empty string");
    }
    return List.copyOf(args);
  }

  /**
   * What runc would refuse once it has started, checked in the image first: an absolute program
   * that is missing, a directory or not executable, and a working dir that exists as something
   * other than a directory. A path under a mount is the mount's business and is not checked; a
   * program without a '/' is looked up in the container's PATH by runc, whose refusal names it.
   *
   * @param mounted the spec's mount destinations
   */
  static void checkInImage(Path rootfs, List<String> mounted, ContainerConfig config, ImageConfig image) {
    String program = args(config, image).getFirst();
    if (program.startsWith("/")) {
      String field = programField(config, image);
      Path file = inImage(rootfs, mounted, field, program);
      if (file != null) {
        if (!Files.exists(file)) {
          throw invalid(field, quoted(program) + " does not exist in the image");
        }
        if (Files.isDirectory(file)) {
          throw invalid(field, quoted(program) + " is a directory");
        }
        if (!executable(file)) {
          throw invalid(field, quoted(program) + " is not executable");
        }
      }
    }
    String field = config.workingDir().isEmpty() ? "image " + image.id() + " working dir" : "config.working_dir";
    Path dir = inImage(rootfs, mounted, field, cwd(config, image));
    if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
      throw invalid(field, quoted(cwd(config, image)) + " exists in the image and is not a directory");
    }
  }

  /** Where the program came from, by Docker's rule (see {@link #args}). */
  private static String programField(ContainerConfig config, ImageConfig image) {
    if (!config.command().isEmpty()) {
      return "config.command";
    }
    if (!image.entrypoint().isEmpty()) {
      return "image " + image.id() + " entrypoint";
    }
    return config.args().isEmpty() ? "image " + image.id() + " cmd" : "config.args";
  }

  /** {@code path} in the rootfs with the image's symlinks followed; null when a mount provides it. */
  private static @Nullable Path inImage(Path rootfs, List<String> mounted, String field, String path) {
    String reached;
    try {
      reached = RootfsPath.reached(p -> rootfs.resolve(p.substring(1)), path);
    } catch (IOException e) {
      throw invalid(field, "cannot resolve " + quoted(path) + " in the image: " + e.getMessage());
    }
    for (String m : mounted) {
      if (reached.equals(m) || reached.startsWith(m.endsWith("/") ? m : m + "/")) {
        return null;
      }
    }
    return reached.equals("/") ? rootfs : rootfs.resolve(reached.substring(1));
  }

  private static boolean executable(Path file) {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      return mode.contains(PosixFilePermission.OWNER_EXECUTE) || mode.contains(PosixFilePermission.GROUP_EXECUTE)
          || mode.contains(PosixFilePermission.OTHERS_EXECUTE);
    } catch (IOException e) {
      return true; // unknown here: runc will tell
    }
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
