package dev.podshim.api;

import dev.podshim.config.CgroupDriver;
import dev.podshim.cri.v1.LinuxRuntimeConfiguration;
import dev.podshim.cri.v1.RuntimeConfigRequest;
import dev.podshim.cri.v1.RuntimeConfigResponse;

/** RuntimeConfig: tells kubelet which cgroup driver to use, so the two never disagree. */
final class RuntimeConfigHandler implements UnaryHandler<RuntimeConfigRequest, RuntimeConfigResponse> {
  private final CgroupDriver driver;

  RuntimeConfigHandler(CgroupDriver driver) {
    this.driver = driver;
  }

  @Override
  public RuntimeConfigResponse handle(RuntimeConfigRequest request) {
    dev.podshim.cri.v1.CgroupDriver proto = switch (driver) {
      case SYSTEMD -> dev.podshim.cri.v1.CgroupDriver.SYSTEMD;
      case CGROUPFS -> dev.podshim.cri.v1.CgroupDriver.CGROUPFS;
    };
    return RuntimeConfigResponse.newBuilder()
        .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(proto))
        .build();
  }
}
