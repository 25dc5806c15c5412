package dev.podshim.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** helm/podshim rendered by Helm's own code (helm-java), read into fabric8's typed model. */
final class Chart {
  static final Path DIR = Path.of(System.getProperty("user.dir")).resolve("podshim");
  static final String RELEASE = "podshim";
  static final String NAMESPACE = "monitoring";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private Chart() {
  }

  static String template(Map<String, Object> values) {
    TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
    values.forEach(template::set);
    return template.call();
  }

  /** The manifests of one rendering, typed: DaemonSet, Service, ServiceMonitor, PrometheusRule... */
  static List<HasMetadata> render(Map<String, Object> values) throws IOException {
    String text = template(values);
    List<HasMetadata> objects = new ArrayList<>();
    try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(text)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc == null || doc.isNull() || doc.isEmpty()) {
          continue;
        }
        KubernetesResource resource = YAML.treeToValue(doc, KubernetesResource.class);
        if (!(resource instanceof HasMetadata object)) {
          throw new IOException("not a Kubernetes object: " + doc);
        }
        objects.add(object);
      }
    }
    return objects;
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size() + ": "
          + objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList());
    }
    return found.getFirst();
  }
}
