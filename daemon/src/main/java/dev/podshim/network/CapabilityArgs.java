package dev.podshim.network;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The CNI capability arguments of one pod (CNI conventions: {@code portMappings},
 * {@code bandwidth}, {@code dns}). Each plugin later receives, as {@code runtimeConfig}, only
 * those it declares in its {@code capabilities}.
 */
final class CapabilityArgs {
  // kubelet's choice: the annotations set a rate only, so the burst must not limit (bits; < 4GB).
  static final long UNLIMITED_BURST_BITS = Integer.MAX_VALUE;

  private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");

  private CapabilityArgs() {}

  /** @throws CriException INVALID_ARGUMENT for a bad port mapping or bandwidth annotation */
  static ObjectNode of(PodNetwork.AttachRequest request) {
    ObjectNode args = Json.MAPPER.createObjectNode();
    ArrayNode ports = args.putArray("portMappings");
    List<PodNetwork.PortMapping> mappings = request.portMappings();
    for (int i = 0; i < mappings.size(); i++) {
      PodNetwork.PortMapping p = mappings.get(i);
      if (p.hostPort() <= 0) {
        continue; // a containerPort without hostPort only documents the port; nothing to map
      }
      String where = "port_mappings[" + i + "]";
      String protocol = p.protocol().isEmpty() ? "tcp" : p.protocol().toLowerCase(Locale.ROOT);
      if (!PROTOCOLS.contains(protocol)) {
        throw CriException.invalidArgument(where + ": protocol \"" + p.protocol() + "\" is not TCP, UDP or SCTP");
      }
      if (p.hostPort() > 65535 || p.containerPort() < 1 || p.containerPort() > 65535) {
        throw CriException.invalidArgument(where + ": ports must be 1-65535, got host_port " + p.hostPort()
            + " container_port " + p.containerPort());
      }
      ObjectNode mapping = ports.addObject();
      mapping.put("hostPort", p.hostPort());
      mapping.put("containerPort", p.containerPort());
      mapping.put("protocol", protocol);
      if (!p.hostIp().isEmpty()) {
        try {
          InetAddress.ofLiteral(p.hostIp());
        } catch (IllegalArgumentException e) {
          throw CriException.invalidArgument(where + ": host_ip \"" + p.hostIp() + "\" is not an IP address");
        }
        mapping.put("hostIP", p.hostIp());
      }
    }
    String ingress = request.annotations().get(BandwidthQuantity.INGRESS);
    String egress = request.annotations().get(BandwidthQuantity.EGRESS);
    if (ingress != null || egress != null) {
      ObjectNode bandwidth = args.putObject("bandwidth");
      if (ingress != null) {
        bandwidth.put("ingressRate", BandwidthQuantity.bitsPerSecond(BandwidthQuantity.INGRESS, ingress));
        bandwidth.put("ingressBurst", UNLIMITED_BURST_BITS);
      }
      if (egress != null) {
        bandwidth.put("egressRate", BandwidthQuantity.bitsPerSecond(BandwidthQuantity.EGRESS, egress));
        bandwidth.put("egressBurst", UNLIMITED_BURST_BITS);
      }
    }
    PodNetwork.Dns dns = request.dns();
    if (dns != null) {
      ObjectNode node = args.putObject("dns");
      dns.servers().forEach(node.putArray("servers")::add);
      dns.searches().forEach(node.putArray("searches")::add);
      dns.options().forEach(node.putArray("options")::add);
    }
    return args;
  }
}
