package dev.podshim.stats;

import java.util.List;

/**
 * A pod's interfaces when read.
 *
 * @param defaultInterface {@code eth0}, where CNI plugins put the pod's network, else the first
 */
public record NetworkSample(long timestampNanos, List<InterfaceStats> interfaces, InterfaceStats defaultInterface) {
  static final String DEFAULT_NAME = "eth0";

  public NetworkSample {
    interfaces = List.copyOf(interfaces);
  }

  /** Null when the namespace has nothing but loopback. */
  static @org.jspecify.annotations.Nullable NetworkSample of(long timestampNanos, List<InterfaceStats> interfaces) {
    if (interfaces.isEmpty()) {
      return null;
    }
    InterfaceStats chosen = interfaces.stream().filter(i -> i.name().equals(DEFAULT_NAME)).findFirst()
        .orElse(interfaces.getFirst());
    return new NetworkSample(timestampNanos, interfaces, chosen);
  }
}
