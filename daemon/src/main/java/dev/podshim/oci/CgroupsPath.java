package dev.podshim.oci;

/** Where a spec's {@code linux.cgroupsPath} puts the container, relative to the cgroup root. */
public final class CgroupsPath {
  private CgroupsPath() {}

  /**
   * runc's and crun's two spellings: a path for cgroupfs, {@code slice:prefix:name} for systemd,
   * which they place at the slice's nested path in a scope named {@code prefix-name.scope}.
   */
  public static String relative(String cgroupsPath) {
    String[] parts = cgroupsPath.split(":", -1);
    if (parts.length != 3) {
      return cgroupsPath.isEmpty() || cgroupsPath.startsWith("/") ? cgroupsPath : "/" + cgroupsPath;
    }
    String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
    return sliceDir(slice) + "/" + parts[1] + "-" + parts[2] + ".scope";
  }

  /** systemd nests {@code a-b.slice} as {@code /a.slice/a-b.slice}; {@code -.slice} is the root. */
  public static String sliceDir(String slice) {
    if (slice.equals("-.slice") || !slice.endsWith(".slice")) {
      return "";
    }
    String name = slice.substring(0, slice.length() - ".slice".length());
    StringBuilder dir = new StringBuilder();
    int dash = -1;
    while ((dash = name.indexOf('-', dash + 1)) >= 0) {
      dir.append('/').append(name, 0, dash).append(".slice");
    }
    return dir.append('/').append(slice).toString();
  }
}
