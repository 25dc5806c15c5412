package dev.podshim.network;

import dev.podshim.errors.CriException;
import java.net.InetAddress;

/**
 * The node's pod network as the runtime knows it. For now it holds the pod CIDR kubelet sends in
 * UpdateRuntimeConfig and reports not ready: CNI attachment is the networking work still to come,
 * so only host-network pods get connectivity.
 */
public final class PodNetwork {
  /** The NetworkReady condition. */
  public record Readiness(boolean ready, String reason, String message) {}

  private volatile String podCidr = "";

  /** The node's pod network for this daemon's configuration. */
  public static PodNetwork create(dev.podshim.config.DaemonConfig config, io.micrometer.core.instrument.MeterRegistry registry) {
    return new PodNetwork();
  }

  public String podCidr() {
    return podCidr;
  }

  /** Keeps kubelet's pod CIDR (comma-separated for dual stack) for the network plugins. */
  public void updatePodCidr(String cidrs) {
    if (!cidrs.isEmpty()) {
      for (String cidr : cidrs.split(",")) {
        validateCidr(cidr.trim());
      }
    }
    podCidr = cidrs;
  }

  public Readiness readiness() {
    return new Readiness(false, "NetworkPluginNotReady",
        "pod networking is not configured: podshim does not run CNI plugins yet; only host-network pods have connectivity");
  }

  private static void validateCidr(String cidr) {
    int slash = cidr.indexOf('/');
    try {
      if (slash <= 0) {
        throw new IllegalArgumentException("missing prefix length");
      }
      InetAddress address = InetAddress.ofLiteral(cidr.substring(0, slash));
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      if (bits < 0 || bits > address.getAddress().length * 8) {
        throw new IllegalArgumentException("prefix length out of range");
      }
    } catch (IllegalArgumentException e) {
      throw CriException.invalidArgument("runtime_config.network_config.pod_cidr: \"" + cidr + "\" is not a CIDR");
    }
  }
}
