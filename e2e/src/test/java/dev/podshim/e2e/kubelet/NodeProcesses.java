package dev.podshim.e2e.kubelet;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podshim.cri.v1.Container;
import dev.podshim.cri.v1.ContainerFilter;
import dev.podshim.cri.v1.ContainerStatusRequest;
import dev.podshim.cri.v1.ListContainersRequest;
import dev.podshim.cri.v1.PodSandboxStatusRequest;
import dev.podshim.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What podshim runs for kubelet's pods, looked up over the CRI and in /proc. */
final class NodeProcesses {
  private NodeProcesses() {}

  /** Every container podshim holds for static pod {@code pod}, any state, any attempt. */
  static List<Container> containersOf(RuntimeServiceBlockingStub runtime, String pod) {
    return runtime.listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
        .putLabelSelector("io.kubernetes.pod.name", pod + "-" + Kubelet.NODE_NAME)).build()).getContainersList();
  }

  static long containerPid(RuntimeServiceBlockingStub runtime, String containerId) throws IOException {
    return pidOf(runtime.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId)
        .setVerbose(true).build()).getInfoMap().get("info"));
  }

  static long pausePid(RuntimeServiceBlockingStub runtime, String sandboxId) throws IOException {
    return pidOf(runtime.podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId)
        .setVerbose(true).build()).getInfoMap().get("info"));
  }

  private static long pidOf(String verboseInfo) throws IOException {
    long pid = new ObjectMapper().readTree(verboseInfo).path("pid").asLong();
    if (pid <= 0) {
      throw new IOException("no pid in " + verboseInfo);
    }
    return pid;
  }

  /** The cgroup directories of process {@code pid}, by hierarchy ("memory", "cpu", "unified"...). */
  static Map<String, Path> cgroupDirs(long pid) throws IOException {
    Map<String, Path> dirs = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
      String[] fields = line.split(":", 3);
      String hierarchy = fields[1].isEmpty() ? "unified" : fields[1].replace("name=", "");
      // a v1 hierarchy with several controllers is mounted under one of its names on this machine
      for (String name : hierarchy.split(",")) {
        Path dir = KubeletHostChanges.CGROUPS.resolve(name).resolve(fields[2].substring(1));
        if (Files.isDirectory(dir)) {
          dirs.put(name, dir);
        }
      }
    }
    return dirs;
  }

  static String read(Path file) throws IOException {
    return Files.readString(file).strip();
  }
}
