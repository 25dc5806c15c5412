package dev.podshim.config;

import java.util.Locale;

/** How pod cgroup paths are named: plain paths (cgroupfs) or systemd slice names. */
public enum CgroupDriver {
  CGROUPFS,
  SYSTEMD;

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
