package dev.podshim.e2e.kubelet;

import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerState;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandbox;
import dev.podshim.testing.NodeLeaks;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What ran just before the removals: what must be gone after them. */
record RemovalBaseline(List<Long> pausePids, List<Long> containerPids, List<Long> conmonPids, List<Path> containerCgroups) {
  static RemovalBaseline take(KubeletNode node, String cgroupRoot) throws IOException {
    List<Long> pauses = new ArrayList<>();
    for (PodSandbox s : node.sandboxes()) {
      pauses.add(NodeProcesses.pausePid(node.podshimd.runtime, s.getId()));
    }
    List<Long> containers = new ArrayList<>();
    List<Path> cgroups = new ArrayList<>();
    for (Container c : node.podshimd.runtime.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      if (c.getState() == ContainerState.CONTAINER_RUNNING) {
        long pid = NodeProcesses.containerPid(node.podshimd.runtime, c.getId());
        containers.add(pid);
        NodeProcesses.cgroupDirs(pid).values().stream().filter(d -> d.toString().contains(cgroupRoot + "/")).forEach(cgroups::add);
      }
    }
    return new RemovalBaseline(pauses, containers, NodeLeaks.conmonsOf(node.podshimRoot), cgroups);
  }

  List<Long> alive() {
    return Stream.of(pausePids, containerPids, conmonPids).flatMap(List::stream)
        .filter(pid -> ProcessHandle.of(pid).isPresent()).toList();
  }
}
