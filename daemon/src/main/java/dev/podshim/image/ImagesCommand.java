package dev.podshim.image;

import dev.podshim.config.DaemonConfig;
import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code podshimd images import FILE | list | remove REF}: the image store from the command line,
 * for offline nodes. It works on the store directly and may run while the daemon does (the
 * image index is changed under a file lock and re-read by the daemon when it changes).
 */
public final class ImagesCommand {
  private static final String USAGE = """
      usage: podshimd [flags] images import FILE   import an OCI image layout or docker save archive (.tar or .tar.gz)
             podshimd [flags] images list          list images: id, size, names
             podshimd [flags] images remove REF    remove an image by name:tag, name@digest or id""";

  private ImagesCommand() {}

  public static int run(List<String> args, DaemonConfig config) {
    return run(args, config, System.out, System.err);
  }

  /**
   * Where the subcommand starts in {@code podshimd images ...} arguments: daemon flags
   * ({@code --flag value} or {@code --flag=value}) may come first.
   */
  public static int firstOperand(List<String> args) {
    int i = 0;
    while (i < args.size() && args.get(i).startsWith("--")) {
      i += args.get(i).contains("=") ? 1 : 2;
    }
    return Math.min(i, args.size());
  }

  static int run(List<String> args, DaemonConfig config, PrintStream out, PrintStream err) {
    if (args.isEmpty()) {
      err.println(USAGE);
      return 2;
    }
    String command = args.getFirst();
    int operands = args.size() - 1;
    boolean ok = switch (command) {
      case "import", "remove" -> operands == 1;
      case "list" -> operands == 0;
      default -> false;
    };
    if (!ok) {
      err.println(USAGE);
      return 2;
    }
    try {
      ImageService images = ImageService.open(config.root(), config.registry());
      switch (command) {
        case "import" -> images.importArchive(Path.of(args.get(1))).forEach(line -> out.println("imported " + line));
        case "list" -> list(images, out);
        case "remove" -> {
          images.remove(args.get(1));
          out.println("removed " + args.get(1));
        }
        default -> throw new AssertionError(command);
      }
      return 0;
    } catch (CriException e) {
      err.println("podshimd images " + command + ": " + e.getMessage());
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println("podshimd images " + command + ": " + e);
      return 1;
    }
  }

  private static void list(ImageService images, PrintStream out) {
    out.printf("%-14s %10s  %s%n", "IMAGE ID", "SIZE", "NAMES");
    for (ImageInfo i : images.list("")) {
      List<String> names = i.repoTags().isEmpty() ? i.repoDigests() : i.repoTags();
      out.printf("%-14s %10s  %s%s%n", i.id().substring(7, 19), human(i.size()),
          names.isEmpty() ? "<none>" : String.join(", ", names), i.pinned() ? " (pinned)" : "");
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + "B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format("%.1f%s", v, units[u]);
  }
}
