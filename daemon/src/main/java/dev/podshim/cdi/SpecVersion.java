package dev.podshim.cdi;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cdiVersion a spec file declares, and the lowest version that has every feature the file
 * uses: a file may not use a field newer than its declared version, as the CDI spec rules.
 */
record SpecVersion(int major, int minor, int patch) implements Comparable<SpecVersion> {
  static final SpecVersion OLDEST = new SpecVersion(0, 3, 0);
  private static final Pattern SEMVER = Pattern.compile("v?(0|[1-9]\\d{0,3})\\.(0|[1-9]\\d{0,3})\\.(0|[1-9]\\d{0,3})");
  /** The released minor versions this reader knows (0.3 to 0.8, then 1.0). */
  private static final List<SpecVersion> KNOWN = List.of(new SpecVersion(0, 3, 0), new SpecVersion(0, 4, 0),
      new SpecVersion(0, 5, 0), new SpecVersion(0, 6, 0), new SpecVersion(0, 7, 0), new SpecVersion(0, 8, 0),
      new SpecVersion(1, 0, 0));

  /** @throws IllegalArgumentException for a malformed or unsupported version */
  static SpecVersion parse(String declared) {
    Matcher m = SEMVER.matcher(declared);
    if (!m.matches()) {
      throw new IllegalArgumentException("cdiVersion " + dev.podshim.errors.Inputs.quoted(declared)
          + " is not a version (major.minor.patch)");
    }
    SpecVersion v = new SpecVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
        Integer.parseInt(m.group(3)));
    if (KNOWN.stream().noneMatch(k -> k.major == v.major && k.minor == v.minor)) {
      throw new IllegalArgumentException("cdiVersion " + declared + " is not supported (podshim reads 0.3.0 to 1.0.x)");
    }
    return v;
  }

  /** The version the file needs for what it uses, with the feature that needs it. */
  static Required required(CdiSpec spec) {
    List<CdiSpec.Edits> edits = new java.util.ArrayList<>();
    edits.add(spec.containerEdits());
    spec.devices().forEach(d -> edits.add(d.containerEdits()));
    for (CdiSpec.Edits e : edits) {
      if (e.intelRdt() != null) {
        return new Required(new SpecVersion(0, 7, 0), "intelRdt");
      }
      if (!e.additionalGids().isEmpty()) {
        return new Required(new SpecVersion(0, 7, 0), "additionalGids");
      }
    }
    if (!spec.annotations().isEmpty() || spec.devices().stream().anyMatch(d -> !d.annotations().isEmpty())) {
      return new Required(new SpecVersion(0, 6, 0), "annotations");
    }
    int slash = spec.kind().indexOf('/');
    if (slash >= 0 && spec.kind().indexOf('.', slash) >= 0) {
      return new Required(new SpecVersion(0, 6, 0), "a '.' in the kind's class");
    }
    if (spec.devices().stream().anyMatch(d -> !d.name().isEmpty() && Character.isDigit(d.name().charAt(0)))) {
      return new Required(new SpecVersion(0, 5, 0), "a device name starting with a digit");
    }
    if (edits.stream().anyMatch(e -> e.deviceNodes().stream().anyMatch(n -> !n.hostPath().isEmpty()))) {
      return new Required(new SpecVersion(0, 5, 0), "deviceNodes[].hostPath");
    }
    if (edits.stream().anyMatch(e -> e.mounts().stream().anyMatch(m -> !m.type().isEmpty()))) {
      return new Required(new SpecVersion(0, 4, 0), "mounts[].type");
    }
    return new Required(OLDEST, "");
  }

  record Required(SpecVersion version, String feature) {}

  @Override
  public int compareTo(SpecVersion o) {
    return major != o.major ? Integer.compare(major, o.major)
        : minor != o.minor ? Integer.compare(minor, o.minor) : Integer.compare(patch, o.patch);
  }

  @Override
  public String toString() {
    return major + "." + minor + "." + patch;
  }
}
