package dev.podshim.e2e.kubelet;

import java.util.Map;

/** The suite under kubelet's default (generic, relisting) PLEG, stats from the CRI. */
class KubeletGenericPlegTest extends KubeletSuite {
  @Override
  Map<String, Boolean> featureGates() {
    // podshim's containers are unknown to kubelet's cAdvisor: pod stats (network too) come from the CRI
    return Map.of("PodAndContainerStatsFromCRI", true);
  }
}
