package dev.podshim.cdi;

import dev.podshim.errors.CriException;
import dev.podshim.errors.Inputs;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The CDI devices a CreateContainer asks for: {@code config.CDI_devices} (kubelet's device
 * plugins and DRA), then the values of the {@code cdi.k8s.io/*} annotations (comma-separated
 * names, as older plugins send them), in key order. A name asked for twice counts once, as
 * containerd counts it. A name that is not a qualified CDI name is INVALID_ARGUMENT naming its field.
 */
public final class CdiRequests {
  public static final String ANNOTATION_PREFIX = "cdi.k8s.io/";

  private CdiRequests() {}

  public static List<CdiRegistry.Request> of(List<String> cdiDevices, Map<String, String> annotations) {
    List<CdiRegistry.Request> requests = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < cdiDevices.size(); i++) {
      add(requests, seen, "config.CDI_devices[" + i + "].name", cdiDevices.get(i));
    }
    for (Map.Entry<String, String> e : new TreeMap<>(annotations).entrySet()) {
      if (e.getKey().startsWith(ANNOTATION_PREFIX)) {
        String field = "config.annotations[" + Inputs.quoted(e.getKey()) + "]";
        for (String name : e.getValue().split(",", -1)) {
          add(requests, seen, field, name);
        }
      }
    }
    return requests;
  }

  private static void add(List<CdiRegistry.Request> requests, Set<String> seen, String field, String name) {
    if (name.isEmpty()) {
      throw CriException.invalidArgument(field + ": a CDI device name is empty");
    }
    try {
      DeviceName.parse(name);
    } catch (IllegalArgumentException e) {
      throw CriException.invalidArgument(field + ": " + Inputs.quoted(name) + " " + e.getMessage());
    }
    if (seen.add(name)) {
      requests.add(new CdiRegistry.Request(field, name));
    }
  }
}
