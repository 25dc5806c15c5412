package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;
import static dev.podshim.container.Fields.quoted;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.os.FileCalls;
import dev.podshim.store.ContainerConfig.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The spec's {@code linux.devices} and the device cgroup rules in {@code linux.resources.devices}:
 * deny everything (runc adds its standard devices after), then allow each device the config
 * names; a privileged container gets every device of the host's /dev and may use any.
 */
final class SpecDevices {
  private static final int S_IFMT = 0170000;
  private static final Pattern PERMISSIONS = Pattern.compile("[rwm]{1,3}");
  /** containerd's HostDevices leaves these out of a privileged container's /dev. */
  private static final Set<String> SKIPPED_DIRS = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");

  /**
   * A device node (type c or b) or a FIFO (p, which CDI allows) on the host; fileMode keeps the
   * setuid, setgid and sticky bits.
   */
  record Node(String type, long major, long minor, int fileMode) {
    boolean isDevice() {
      return !type.equals("p");
    }
  }

  record Result(ArrayNode devices, ArrayNode cgroupRules) {}

  private SpecDevices() {}

  static Result build(List<Device> requested, boolean privileged, Path hostDev) {
    Map<String, ObjectNode> devices = new LinkedHashMap<>();
    ArrayNode rules = Json.array();
    rules.addObject().put("allow", privileged).put("access", "rwm");
    if (privileged) {
      hostDevices(hostDev).forEach((path, node) -> devices.put(path, device(path, node)));
    }
    for (int i = 0; i < requested.size(); i++) {
      String field = "config.devices[" + i + "]";
      Device d = requested.get(i);
      String containerPath = Fields.absolute(field + ".container_path", d.containerPath());
      String hostPath = Fields.absolute(field + ".host_path", d.hostPath());
      String access = d.permissions().isEmpty() ? "rwm" : d.permissions();
      if (!PERMISSIONS.matcher(access).matches()) {
        throw invalid(field + ".permissions", quoted(d.permissions()) + " is not a combination of r, w and m");
      }
      Node node;
      try {
        node = stat(Path.of(hostPath), true);
      } catch (NoSuchFileException e) {
        throw invalid(field + ".host_path", hostPath + " does not exist");
      } catch (IOException e) {
        throw invalid(field + ".host_path", "cannot stat " + hostPath + ": " + e);
      }
      if (node == null || !node.isDevice()) {
        throw invalid(field + ".host_path", hostPath + " is not a character or block device");
      }
      devices.remove(containerPath);
      devices.put(containerPath, device(containerPath, node));
      rules.addObject().put("allow", true).put("type", node.type()).put("major", node.major())
          .put("minor", node.minor()).put("access", access);
    }
    ArrayNode list = Json.array();
    devices.values().forEach(list::add);
    return new Result(list, rules);
  }

  /** The node's type and numbers, or null when {@code path} is no device node or FIFO. */
  static @Nullable Node stat(Path path, boolean followLinks) throws IOException {
    LinkOption[] options = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    Map<String, Object> attrs = Files.readAttributes(path, "unix:mode,rdev", options);
    int mode = (Integer) attrs.get("mode");
    long rdev = (Long) attrs.get("rdev");
    String type = switch (mode & S_IFMT) {
      case FileCalls.S_IFCHR -> "c";
      case FileCalls.S_IFBLK -> "b";
      case FileCalls.S_IFIFO -> "p";
      default -> null;
    };
    return type == null ? null : new Node(type, FileCalls.major(rdev), FileCalls.minor(rdev), mode & 07777);
  }

  private static ObjectNode device(String path, Node node) {
    return Json.object().put("path", path).put("type", node.type()).put("major", node.major())
        .put("minor", node.minor()).put("fileMode", node.fileMode() & 0777).put("uid", 0).put("gid", 0);
  }

  /** Every device node under {@code dev} (not following links), by its path in the container. */
  private static Map<String, Node> hostDevices(Path dev) {
    Map<String, Node> found = new LinkedHashMap<>();
    try {
      Files.walkFileTree(dev, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return !dir.equals(dev) && SKIPPED_DIRS.contains(dir.getFileName().toString())
              ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          if (attrs.isOther() && !file.getFileName().toString().equals("console")) {
            Node node = stat(file, false);
            if (node != null && node.isDevice()) {
              found.put("/dev/" + dev.relativize(file), node);
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // a device that vanished while we looked
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("list devices in " + dev, e);
    }
    return found;
  }
}
