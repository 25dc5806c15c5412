package dev.podshim.stats;

import static java.util.Objects.requireNonNull;

/** One interface's counters since it came up. */
public record InterfaceStats(String name, long rxBytes, long rxPackets, long rxErrors, long rxDropped, long txBytes,
    long txPackets, long txErrors, long txDropped) {
  public InterfaceStats {
    requireNonNull(name, "name");
  }
}
