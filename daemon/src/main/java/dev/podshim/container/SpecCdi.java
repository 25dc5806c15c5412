package dev.podshim.container;

import static dev.podshim.container.Fields.invalid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.cdi.CdiRegistry;
import dev.podshim.cdi.CdiSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Applies CDI container edits (all but mounts, which {@link SpecMounts} places and checks like
 * CRI mounts) to a built spec, kind by kind as the CDI spec's reference does: environment, device
 * nodes with their cgroup rules, hooks, Intel RDT, additional groups. Each value is checked as
 * the same value of a CRI request is; a bad one is INVALID_ARGUMENT naming the request's field
 * and the device's spec file.
 */
final class SpecCdi {

  private SpecCdi() {}

  static void apply(ObjectNode spec, List<CdiRegistry.Edit> edits) {
    ObjectNode process = (ObjectNode) spec.get("process");
    ObjectNode linux = (ObjectNode) spec.get("linux");
    for (CdiRegistry.Edit e : edits) {
      env((ArrayNode) process.get("env"), where(e, "env"), e.edits().env());
    }
    for (CdiRegistry.Edit e : edits) {
      List<CdiSpec.DeviceNode> nodes = e.edits().deviceNodes();
      for (int i = 0; i < nodes.size(); i++) {
        deviceNode(linux, process.path("user"), where(e, "deviceNodes[" + i + "]"), nodes.get(i));
      }
    }
    for (CdiRegistry.Edit e : edits) {
      List<CdiSpec.Hook> hooks = e.edits().hooks();
      for (int i = 0; i < hooks.size(); i++) {
        hook(spec, where(e, "hooks[" + i + "]"), hooks.get(i));
      }
    }
    for (CdiRegistry.Edit e : edits) {
      CdiSpec.IntelRdt rdt = e.edits().intelRdt();
      if (rdt != null) {
        linux.set("intelRdt", intelRdt(where(e, "intelRdt"), rdt)); // the last device's wins, as in the CDI spec's reference
      }
    }
    ArrayNode gids = (ArrayNode) process.path("user").get("additionalGids");
    for (CdiRegistry.Edit e : edits) {
      for (long gid : e.edits().additionalGids()) {
        if (gid != 0 && !contains(gids, gid)) {
          gids.add(gid);
        }
      }
    }
  }

  /** Where in the request and in which spec file a value came from. */
  static String where(CdiRegistry.Edit e, String what) {
    return e.field() + ": CDI device " + e.source() + " " + what;
  }

  /** A CDI variable replaces one of the same name, else it is appended. */
  private static void env(ArrayNode env, String where, List<String> vars) {
    for (String v : vars) {
      Fields.noNul(where, v);
      String name = v.substring(0, v.indexOf('=') + 1);
      int at = -1;
      for (int i = 0; i < env.size(); i++) {
        if (env.get(i).asText().startsWith(name)) {
          at = i;
        }
      }
      if (at >= 0) {
        env.set(at, v);
      } else {
        env.add(v);
      }
    }
  }

  private static void deviceNode(ObjectNode linux, JsonNode user, String where, CdiSpec.DeviceNode n) {
    String path = Path.of(Fields.absolute(where + ".path", n.path())).normalize().toString();
    String hostPath = n.hostPath().isEmpty() ? n.path() : n.hostPath();
    Fields.absolute(where + ".hostPath", hostPath);
    String type = n.type();
    long major = n.major();
    long minor = n.minor();
    Integer fileMode = n.fileMode();
    boolean complete = !type.isEmpty() && (major != 0 || type.equals("p"));
    SpecDevices.Node host = hostNode(where, hostPath, complete);
    if (host != null) {
      fileMode = fileMode != null ? fileMode : host.fileMode();
      if (!complete) {
        if (!type.isEmpty() && !type.equals(host.type())) {
          throw invalid(where, hostPath + " is of type " + host.type() + ", not " + type);
        }
        type = host.type();
        if (!type.equals("p") && major == 0) {
          major = host.major();
          minor = host.minor();
        }
      }
    }
    ObjectNode device = Json.object().put("path", path).put("type", type);
    if (!type.equals("p")) {
      device.put("major", major).put("minor", minor);
    }
    if (fileMode != null) {
      device.put("fileMode", fileMode);
    }
    long uid = n.uid() != null ? n.uid() : user.path("uid").asLong();
    long gid = n.gid() != null ? n.gid() : user.path("gid").asLong();
    device.put("uid", uid).put("gid", gid);
    ArrayNode devices = (ArrayNode) linux.get("devices");
    for (int i = devices.size() - 1; i >= 0; i--) {
      if (devices.get(i).path("path").asText().equals(path)) {
        devices.remove(i);
      }
    }
    devices.add(device);
    String access = n.permissions().isEmpty() ? "rwm" : n.permissions();
    if (!type.equals("p") && !access.equals("none")) {
      ((ArrayNode) linux.path("resources").get("devices")).addObject().put("allow", true)
          .put("type", type.equals("b") ? "b" : "c").put("major", major).put("minor", minor).put("access", access);
    }
  }

  /** The host's node; null when it is absent or no device and the spec gives all the node needs. */
  private static SpecDevices.@Nullable Node hostNode(String where, String hostPath, boolean complete) {
    try {
      SpecDevices.Node node = SpecDevices.stat(Path.of(hostPath), false);
      if (node == null && !complete) {
        throw invalid(where, hostPath + " is not a device node or FIFO on the host");
      }
      return node;
    } catch (NoSuchFileException e) {
      if (complete) {
        return null;
      }
      throw invalid(where, hostPath + " does not exist on the host");
    } catch (IOException e) {
      throw invalid(where, "cannot stat " + hostPath + ": " + e);
    }
  }


  private static void hook(ObjectNode spec, String where, CdiSpec.Hook h) {
    ObjectNode hook = Json.object().put("path", Fields.absolute(where + ".path", h.path()));
    if (!h.args().isEmpty()) {
      hook.set("args", Json.strings(Fields.noNul(where + ".args", h.args())));
    }
    if (!h.env().isEmpty()) {
      hook.set("env", Json.strings(Fields.noNul(where + ".env", h.env())));
    }
    if (h.timeout() != null) {
      hook.put("timeout", h.timeout());
    }
    ObjectNode hooks = spec.has("hooks") ? (ObjectNode) spec.get("hooks") : spec.putObject("hooks");
    (hooks.has(h.hookName()) ? (ArrayNode) hooks.get(h.hookName()) : hooks.putArray(h.hookName())).add(hook);
  }

  private static ObjectNode intelRdt(String where, CdiSpec.IntelRdt rdt) {
    ObjectNode node = Json.object();
    if (!rdt.closID().isEmpty()) {
      node.put("closID", Fields.noNul(where + ".closID", rdt.closID()));
    }
    if (!rdt.l3CacheSchema().isEmpty()) {
      node.put("l3CacheSchema", Fields.noNul(where + ".l3CacheSchema", rdt.l3CacheSchema()));
    }
    if (!rdt.memBwSchema().isEmpty()) {
      node.put("memBwSchema", Fields.noNul(where + ".memBwSchema", rdt.memBwSchema()));
    }
    if (rdt.enableCMT()) {
      node.put("enableCMT", true);
    }
    if (rdt.enableMBM()) {
      node.put("enableMBM", true);
    }
    return node;
  }

  private static boolean contains(ArrayNode array, long value) {
    for (JsonNode n : array) {
      if (n.asLong() == value) {
        return true;
      }
    }
    return false;
  }
}
