package dev.podshim.network;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * podshim's own network for a node that has none: a bridge with host-local IPAM and portmap, so
 * that pods get an IP and hostPorts work on a fresh machine. Debian's plugins (1.1.1) speak CNI
 * 1.0.0, the newest version they support.
 */
final class DefaultNetwork {
  static final String NAME = "podshim";
  static final String BRIDGE = "podshim0";
  static final String FILE_NAME = "10-podshim.conflist";

  private DefaultNetwork() {}

  /**
   * What to do about a failed ADD on podshim's own network: the bridge plugin never moves a
   * bridge to a new subnet, so after {@code cni_default_subnet} changed it refuses every pod.
   * Empty for other failures and other networks.
   */
  static String hintFor(NetworkConfigList list, String error) {
    if (!list.name().equals(NAME) || !error.contains("already has an IP address different from")) {
      return "";
    }
    String bridge = list.plugins().getFirst().path("bridge").asText(BRIDGE);
    return " (the bridge " + bridge + " still has the gateway address of an earlier cni_default_subnet:"
        + " once no pod uses it, `ip link del " + bridge + "` lets the bridge plugin make it anew)";
  }

  static String conflist(String subnet, Path ipamDataDir) {
    return conflist(NAME, BRIDGE, subnet, ipamDataDir);
  }

  /** The same network under another name and bridge, for tests that must not touch the real one. */
  static String conflist(String name, String bridge, String subnet, Path ipamDataDir) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("cniVersion", "1.0.0");
    list.put("name", name);
    ArrayNode plugins = list.putArray("plugins");
    ObjectNode bridgePlugin = plugins.addObject();
    bridgePlugin.put("type", "bridge");
    bridgePlugin.put("bridge", bridge);
    bridgePlugin.put("isGateway", true);
    bridgePlugin.put("ipMasq", true);
    bridgePlugin.put("hairpinMode", true);
    ObjectNode ipam = bridgePlugin.putObject("ipam");
    ipam.put("type", "host-local");
    ipam.putArray("ranges").addArray().addObject().put("subnet", subnet);
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    ipam.put("dataDir", ipamDataDir.toString());
    ObjectNode portmap = plugins.addObject();
    portmap.put("type", "portmap");
    portmap.putObject("capabilities").put("portMappings", true);
    return Json.pretty(list);
  }
}
