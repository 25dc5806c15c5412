package dev.podshim.e2e.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** kubelet's /pods answer (a PodList), read by static pod name (kubelet appends "-" + node name). */
record KubeletPods(JsonNode list) {

  Optional<Pod> find(String name) {
    for (JsonNode pod : list.path("items")) {
      if (pod.path("metadata").path("name").asText().equals(name + "-" + Kubelet.NODE_NAME)) {
        return Optional.of(new Pod(pod));
      }
    }
    return Optional.empty();
  }

  Pod get(String name) {
    return find(name).orElseThrow(() -> new AssertionError("kubelet has no pod " + name + " yet"));
  }

  List<String> names() {
    List<String> names = new ArrayList<>();
    list.path("items").forEach(p -> names.add(p.path("metadata").path("name").asText()));
    return names;
  }

  /** One pod as kubelet reports it. */
  record Pod(JsonNode json) {
    String uid() {
      return json.path("metadata").path("uid").asText();
    }

    String phase() {
      return json.path("status").path("phase").asText();
    }

    boolean ready() {
      for (JsonNode c : json.path("status").path("conditions")) {
        if (c.path("type").asText().equals("Ready")) {
          return c.path("status").asText().equals("True");
        }
      }
      return false;
    }

    JsonNode container(String name) {
      return status("containerStatuses", name);
    }

    JsonNode initContainer(String name) {
      return status("initContainerStatuses", name);
    }

    List<JsonNode> containers() {
      List<JsonNode> all = new ArrayList<>();
      json.path("status").path("containerStatuses").forEach(all::add);
      return all;
    }

    int restartCount(String name) {
      return container(name).path("restartCount").asInt();
    }

    boolean running(String name) {
      return container(name).path("state").has("running");
    }

    /** The runtime's id of the container, without kubelet's {@code podshim://} prefix. */
    String containerId(String name) {
      String id = container(name).path("containerID").asText();
      if (!id.contains("://")) {
        throw new AssertionError("container " + name + " has no id yet: " + container(name));
      }
      return id.substring(id.indexOf("://") + 3);
    }

    private JsonNode status(String list, String name) {
      for (JsonNode c : json.path("status").path(list)) {
        if (c.path("name").asText().equals(name)) {
          return c;
        }
      }
      throw new AssertionError("pod " + json.path("metadata").path("name").asText() + " has no status for " + name
          + " in " + list + ": " + json.path("status"));
    }

    /** Phase, conditions and container states in a few lines, for failure messages. */
    String summary() {
      StringBuilder s = new StringBuilder(json.path("metadata").path("name").asText()).append(": ").append(phase())
          .append(ready() ? " ready" : " not ready");
      for (String list : List.of("initContainerStatuses", "containerStatuses")) {
        for (JsonNode c : json.path("status").path(list)) {
          s.append("\n  ").append(c.path("name").asText()).append(" restarts=").append(c.path("restartCount").asInt())
              .append(" state=").append(c.path("state")).append(" last=").append(c.path("lastState"));
        }
      }
      return s.toString();
    }
  }
}
