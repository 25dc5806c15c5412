package dev.podshim.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** A small image built in memory: layers (gzip, zstd or plain), config, manifest (OCI or Docker). */
final class TestImage {
  static final ObjectMapper JSON = new ObjectMapper();

  enum Compression { GZIP, ZSTD, NONE }

  record Blob(String mediaType, byte[] bytes, Digest digest) {
    static Blob of(String mediaType, byte[] bytes) {
      return new Blob(mediaType, bytes, Digest.sha256(bytes));
    }

    ObjectNode descriptor() {
      ObjectNode d = JSON.createObjectNode();
      d.put("mediaType", mediaType);
      d.put("digest", digest.toString());
      d.put("size", bytes.length);
      return d;
    }
  }

  final List<Blob> layers;
  final List<Digest> diffIds;
  final Blob config;
  final Blob manifest;
  final String architecture;

  private TestImage(List<Blob> layers, List<Digest> diffIds, Blob config, Blob manifest, String architecture) {
    this.layers = layers;
    this.diffIds = diffIds;
    this.config = config;
    this.manifest = manifest;
    this.architecture = architecture;
  }

  Digest id() {
    return config.digest();
  }

  List<Blob> blobs() {
    List<Blob> all = new ArrayList<>(layers);
    all.add(config);
    return all;
  }

  static Builder builder() {
    return new Builder();
  }

  static final class Builder {
    private final List<Blob> layers = new ArrayList<>();
    private final List<Digest> diffIds = new ArrayList<>();
    private String user = "";
    private List<String> cmd = List.of();
    private List<String> env = List.of("PATH=/bin");
    private String stopSignal = "";
    private String architecture = "amd64";
    private boolean docker;

    Builder layer(TestTar tar) {
      return layer(tar.bytes(), Compression.GZIP);
    }

    Builder layer(TestTar tar, Compression c) {
      return layer(tar.bytes(), c);
    }

    Builder layer(byte[] tar, Compression c) {
      diffIds.add(Digest.sha256(tar));
      String oci = docker ? Manifests.DOCKER_LAYER_GZIP : Manifests.OCI_LAYER_GZIP;
      layers.add(switch (c) {
        case GZIP -> Blob.of(oci, TestTar.gzip(tar));
        case ZSTD -> Blob.of(Manifests.OCI_LAYER_ZSTD, TestTar.zstd(tar));
        case NONE -> Blob.of(docker ? Manifests.DOCKER_LAYER : Manifests.OCI_LAYER, tar);
      });
      return this;
    }

    Builder user(String u) {
      this.user = u;
      return this;
    }

    Builder cmd(List<String> c) {
      this.cmd = List.copyOf(c);
      return this;
    }

    Builder env(List<String> e) {
      this.env = List.copyOf(e);
      return this;
    }

    Builder stopSignal(String signal) {
      this.stopSignal = signal;
      return this;
    }

    Builder architecture(String a) {
      this.architecture = a;
      return this;
    }

    Builder docker() {
      this.docker = true;
      return this;
    }

    TestImage build() {
      ObjectNode cfg = JSON.createObjectNode();
      cfg.put("architecture", architecture);
      cfg.put("os", "linux");
      ObjectNode c = cfg.putObject("config");
      c.put("User", user);
      ArrayNode envs = c.putArray("Env");
      env.forEach(envs::add);
      if (!cmd.isEmpty()) {
        ArrayNode cmds = c.putArray("Cmd");
        cmd.forEach(cmds::add);
      }
      if (!stopSignal.isEmpty()) {
        c.put("StopSignal", stopSignal);
      }
      ObjectNode rootfs = cfg.putObject("rootfs");
      rootfs.put("type", "layers");
      ArrayNode ids = rootfs.putArray("diff_ids");
      diffIds.forEach(d -> ids.add(d.toString()));
      Blob config = Blob.of(docker ? Manifests.DOCKER_CONFIG : Manifests.OCI_CONFIG, bytes(cfg));
      ObjectNode m = JSON.createObjectNode();
      m.put("schemaVersion", 2);
      m.put("mediaType", docker ? Manifests.DOCKER_MANIFEST : Manifests.OCI_MANIFEST);
      m.set("config", config.descriptor());
      ArrayNode ls = m.putArray("layers");
      layers.forEach(l -> ls.add(l.descriptor()));
      Blob manifest = Blob.of(docker ? Manifests.DOCKER_MANIFEST : Manifests.OCI_MANIFEST, bytes(m));
      return new TestImage(List.copyOf(layers), List.copyOf(diffIds), config, manifest, architecture);
    }
  }

  /** An OCI index of several images, each with its architecture. */
  static Blob index(List<TestImage> images) {
    ObjectNode idx = JSON.createObjectNode();
    idx.put("schemaVersion", 2);
    idx.put("mediaType", Manifests.OCI_INDEX);
    ArrayNode ms = idx.putArray("manifests");
    for (TestImage i : images) {
      ObjectNode d = i.manifest.descriptor();
      ObjectNode p = d.putObject("platform");
      p.put("architecture", i.architecture);
      p.put("os", "linux");
      if (i.architecture.equals("arm64")) {
        p.put("variant", "v8");
      }
      ms.add(d);
    }
    return Blob.of(Manifests.OCI_INDEX, bytes(idx));
  }

  static byte[] bytes(Object node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
