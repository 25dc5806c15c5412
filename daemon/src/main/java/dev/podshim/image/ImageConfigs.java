package dev.podshim.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads the {@code config} object of an OCI/Docker image config blob. */
final class ImageConfigs {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ImageConfigs() {}

  static ImageConfig parse(String id, byte[] blob) throws IOException {
    JsonNode root = JSON.readTree(blob);
    if (root == null || !root.isObject()) {
      throw new IOException("image config is not a JSON object");
    }
    JsonNode c = root.path("config");
    List<String> volumes = new ArrayList<>();
    c.path("Volumes").fieldNames().forEachRemaining(volumes::add);
    return new ImageConfig(id, strings(c.path("Entrypoint")), strings(c.path("Cmd")), strings(c.path("Env")),
        c.path("WorkingDir").asText(""), c.path("User").asText(""), c.path("StopSignal").asText(""), volumes);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }
}
