package dev.podshim.e2e.kubelet;

import java.util.Map;

/**
 * The suite under kubelet's evented PLEG: container state comes from podshim's
 * GetContainerEvents stream and PodSandboxStatus (with its containers' statuses and timestamps)
 * instead of relisting every second.
 */
class KubeletEventedPlegTest extends KubeletSuite {
  @Override
  Map<String, Boolean> featureGates() {
    return Map.of("PodAndContainerStatsFromCRI", true, "EventedPLEG", true);
  }
}
