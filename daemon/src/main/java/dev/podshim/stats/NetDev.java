package dev.podshim.stats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace's interface counters from {@code /proc/<pid>/net/dev}, which the kernel
 * answers for the namespace of process {@code pid}: reading pause's needs neither setns nor a
 * thread, so a pod's counters cost one small file read.
 */
final class NetDev {
  /** The columns after "name:": 8 receive counters, then 8 transmit counters. */
  private static final int RX_BYTES = 0;
  private static final int RX_PACKETS = 1;
  private static final int RX_ERRS = 2;
  private static final int RX_DROP = 3;
  private static final int TX_BYTES = 8;
  private static final int TX_PACKETS = 9;
  private static final int TX_ERRS = 10;
  private static final int TX_DROP = 11;

  private NetDev() {}

  /** The interfaces of the namespace of {@code pid}, loopback left out (it never leaves the pod). */
  static List<InterfaceStats> ofProcess(long pid) throws IOException {
    return parse(Files.readString(Path.of("/proc", Long.toString(pid), "net", "dev"), StandardCharsets.US_ASCII));
  }

  static List<InterfaceStats> parse(String text) throws IOException {
    List<InterfaceStats> result = new ArrayList<>();
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      if (colon < 0 || line.contains("|")) {
        continue; // the two header lines
      }
      String name = line.substring(0, colon).trim();
      if (name.equals("lo")) {
        continue;
      }
      String[] f = line.substring(colon + 1).trim().split("\\s+");
      if (f.length < 16) {
        throw new IOException("net/dev: short line for " + name + ": " + line.trim());
      }
      try {
        result.add(new InterfaceStats(name, Long.parseLong(f[RX_BYTES]), Long.parseLong(f[RX_PACKETS]),
            Long.parseLong(f[RX_ERRS]), Long.parseLong(f[RX_DROP]), Long.parseLong(f[TX_BYTES]),
            Long.parseLong(f[TX_PACKETS]), Long.parseLong(f[TX_ERRS]), Long.parseLong(f[TX_DROP])));
      } catch (NumberFormatException e) {
        throw new IOException("net/dev: bad counter for " + name + ": " + line.trim(), e);
      }
    }
    return result;
  }
}
