package dev.podshim.network;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.errors.CriException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ADD, DEL and CHECK of one attachment over a plugin chain, as the CNI spec orders them: ADD
 * front to back feeding each result to the next plugin, DEL back to front with the cached ADD
 * result, CHECK front to back with it.
 */
final class CniOperations {
  private static final Logger LOG = LoggerFactory.getLogger(CniOperations.class);

  /** The final ADD result and the pod IPs read from it. */
  record Added(ObjectNode result, List<String> ips) {}

  private final PluginInvoker invoker;
  private final CniMetrics metrics;
  private final List<Duration> delBackoff;

  /** @param delBackoff the pauses between DEL attempts; its size + 1 is the number of attempts */
  CniOperations(PluginInvoker invoker, CniMetrics metrics, List<Duration> delBackoff) {
    this.invoker = requireNonNull(invoker, "invoker");
    this.metrics = requireNonNull(metrics, "metrics");
    this.delBackoff = List.copyOf(delBackoff);
  }

  /**
   * Runs ADD through the chain. On any failure, including a result without a pod IP, runs DEL
   * over the whole chain so that no IP, interface or iptables rule is left, then throws.
   */
  Added add(NetworkConfigList list, PluginInvoker.Params params, ObjectNode capabilityArgs) {
    @Nullable ObjectNode result = null;
    try {
      for (int i = 0; i < list.plugins().size(); i++) {
        String stdout = exec(list, i, "ADD", params, capabilityArgs, result);
        try {
          result = CniResults.parse(stdout);
        } catch (IllegalArgumentException e) {
          throw CriException.internal("cni plugin " + list.type(i) + " ADD returned an unusable result: " + e.getMessage(), e);
        }
      }
      List<String> ips;
      try {
        ips = CniResults.podIps(requireNonNull(result));
      } catch (IllegalArgumentException e) {
        throw CriException.internal("cni ADD result unusable: " + e.getMessage(), e);
      }
      if (ips.isEmpty()) {
        throw CriException.internal("cni ADD result has no IP address for the pod: " + Json.write(result), null);
      }
      return new Added(result, ips);
    } catch (CriException e) {
      try {
        del(list, params, capabilityArgs, result);
      } catch (CriException cleanup) {
        CriException both = new CriException(e.kind(), e.getMessage() + "; undoing the ADD failed too: " + cleanup.getMessage(), e);
        both.addSuppressed(cleanup);
        throw both;
      }
      throw e;
    }
  }

  /**
   * Runs DEL back to front, retrying the whole chain after a failure. A failing plugin halts the
   * chain, as the spec says: releasing the IP while an earlier plugin's state (a DNAT rule, say)
   * still points at it would hand that state to the next pod that gets the IP.
   *
   * @throws CriException listing every attempt's error after the last attempt failed
   */
  void del(NetworkConfigList list, PluginInvoker.Params params, ObjectNode capabilityArgs, @Nullable JsonNode addResult) {
    // prevResult on DEL exists since 0.4.0; older plugins would refuse it.
    @Nullable JsonNode prevResult = list.hasCheck() ? addResult : null;
    List<String> failures = new ArrayList<>();
    for (int attempt = 1; ; attempt++) {
      try {
        for (int i = list.plugins().size() - 1; i >= 0; i--) {
          exec(list, i, "DEL", params, capabilityArgs, prevResult);
        }
        return;
      } catch (CriException e) {
        failures.add("attempt " + attempt + ": " + e.getMessage());
        if (attempt > delBackoff.size()) {
          throw new CriException(e.kind(), "cni DEL failed " + attempt + " times: " + String.join("; ", failures), e);
        }
        Duration pause = delBackoff.get(attempt - 1);
        LOG.atWarn().addKeyValue("sandbox_id", params.containerId()).addKeyValue("network", list.name())
            .addKeyValue("attempt", attempt).log("cni DEL failed, retrying in {} ms: {}", pause.toMillis(), e.getMessage());
        try {
          Thread.sleep(pause);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new CriException(e.kind(), "cni DEL interrupted after: " + String.join("; ", failures), e);
        }
      }
    }
  }

  /** Runs CHECK front to back; a list older than 0.4.0 or with disableCheck passes as is. */
  void check(NetworkConfigList list, PluginInvoker.Params params, ObjectNode capabilityArgs, JsonNode addResult) {
    if (!list.hasCheck() || list.disableCheck()) {
      return;
    }
    for (int i = 0; i < list.plugins().size(); i++) {
      exec(list, i, "CHECK", params, capabilityArgs, addResult);
    }
  }

  private String exec(NetworkConfigList list, int index, String command, PluginInvoker.Params params,
      ObjectNode capabilityArgs, @Nullable JsonNode prevResult) {
    String type = list.type(index);
    byte[] stdin = Json.write(list.requestConfig(index, capabilityArgs, prevResult)).getBytes(StandardCharsets.UTF_8);
    long start = System.nanoTime();
    boolean failed = true;
    try {
      String stdout = invoker.invoke(type, command, params, stdin);
      failed = false;
      return stdout;
    } finally {
      long took = System.nanoTime() - start;
      metrics.recordPlugin(command, type, took, failed);
      LOG.atDebug().addKeyValue("sandbox_id", params.containerId()).addKeyValue("network", list.name())
          .addKeyValue("plugin", type).addKeyValue("failed", failed)
          .log("cni {} took {} ms", command, String.format("%.1f", took / 1e6));
    }
  }
}
