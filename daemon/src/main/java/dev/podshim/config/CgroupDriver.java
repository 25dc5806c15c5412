package dev.podshim.config;

import java.util.Locale;

/** How pod cgroup paths are named: plain paths (cgroupfs) or systemd slice names. */
public enum CgroupDriver {
  CGROUPFS,
  SYSTEMD;

  /**
   * The slice a systemd cgroup parent names. kubelet sends the slice expanded as a path
   * ({@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice}), critest
   * a rooted name ({@code /test.slice}), others the bare name; systemd, runc and crun take the
   * name, which containerd and CRI-O pass them as the path's last component.
   */
  public static String systemdSlice(String parent) {
    return parent.substring(parent.lastIndexOf('/') + 1);
  }

  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static CgroupDriver parse(String key, String value) {
    for (CgroupDriver driver : values()) {
      if (driver.configName().equals(value)) {
        return driver;
      }
    }
    throw new ConfigException(key + ": unknown cgroup driver \"" + value + "\" (expected cgroupfs or systemd)");
  }
}
