package dev.podshim.e2e.kubelet;

import java.util.Map;

/** Reads samples out of a Prometheus text exposition (kubelet's /metrics and /metrics/probes). */
final class PromText {
  private PromText() {}

  /** The sum of every sample of {@code name} whose labels include {@code labels}; 0 when there is none. */
  static double sum(String text, String name, Map<String, String> labels) {
    double total = 0;
    for (String line : text.lines().toList()) {
      if (!(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      int end = line.contains("}") ? line.indexOf('}') + 1 : name.length();
      String series = line.substring(0, end);
      if (labels.entrySet().stream().allMatch(l -> series.contains(l.getKey() + "=\"" + l.getValue() + "\""))) {
        total += Double.parseDouble(line.substring(end).trim().split("\\s+")[0]); // a timestamp may follow
      }
    }
    return total;
  }
}
