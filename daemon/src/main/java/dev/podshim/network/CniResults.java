package dev.podshim.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/** Reads what runtimes need from a CNI ADD result: the pod's IP addresses. */
final class CniResults {
  private CniResults() {}

  /**
   * Parses a plugin's ADD output as a result of a version whose IPs are {@code ips[].address} in
   * CIDR form (0.3.0 up to 1.x; 0.1/0.2 results used {@code ip4}/{@code ip6} and are refused).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static ObjectNode parse(String stdout) {
    if (stdout.isBlank()) {
      throw new IllegalArgumentException("no result on stdout");
    }
    ObjectNode result = Json.object(stdout, "result");
    String version = result.path("cniVersion").asText("");
    if (!version.isEmpty() && NetworkConfigList.compareVersions(version, "0.3.0") < 0) {
      throw new IllegalArgumentException("result cniVersion \"" + version + "\" is not supported (podshim reads 0.3.0 and later)");
    }
    if (result.has("ips") && !result.get("ips").isArray()) {
      throw new IllegalArgumentException("result \"ips\" is not an array");
    }
    return result;
  }

  /**
   * The pod's addresses without prefix length, IPv4 before IPv6 (the first is the primary pod
   * IP, as kubelet reads it). Addresses on interfaces outside the sandbox, such as the host side
   * of a veth, are not the pod's; addresses naming no interface are taken as the pod's.
   */
  static List<String> podIps(JsonNode result) {
    List<String> v4 = new ArrayList<>();
    List<String> v6 = new ArrayList<>();
    JsonNode interfaces = result.path("interfaces");
    for (JsonNode ip : result.path("ips")) {
      JsonNode index = ip.get("interface");
      if (index != null && index.canConvertToInt()) {
        JsonNode iface = interfaces.path(index.asInt());
        if (!iface.isMissingNode() && iface.path("sandbox").asText("").isEmpty()) {
          continue;
        }
      }
      String cidr = ip.path("address").asText("");
      int slash = cidr.indexOf('/');
      String address = slash < 0 ? cidr : cidr.substring(0, slash);
      InetAddress parsed;
      try {
        parsed = InetAddress.ofLiteral(address);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("result ips[].address \"" + cidr + "\" is not an IP address");
      }
      List<String> family = parsed instanceof Inet4Address ? v4 : v6;
      if (!family.contains(address)) {
        family.add(address);
      }
    }
    List<String> all = new ArrayList<>(v4);
    all.addAll(v6);
    return List.copyOf(all);
  }
}
