package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.config.DaemonConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code podshimd images import|list|remove} on OCI layout and docker save archives, built here and by skopeo. */
class ImagesCommandTest {
  @TempDir Path root;
  @TempDir Path tmp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private DaemonConfig config() {
    DaemonConfig d = DaemonConfig.defaults();
    return new DaemonConfig(d.socket(), root, d.metricsAddress(), d.logLevel(), d.cgroupDriver(), d.ociRuntime(),
        d.stopTimeoutSeconds(), d.cni(), d.registry());
  }

  private int run(String... args) {
    out.reset();
    err.reset();
    return ImagesCommand.run(List.of(args), config(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  static TestImage sample(String marker) {
    return TestImage.builder().user("0")
        .layer(new TestTar().dir("bin").file("bin/" + marker, marker))
        .layer(new TestTar().file("etc/" + marker, marker), TestImage.Compression.NONE)
        .build();
  }

  static byte[] ociLayout(TestImage image, String name) throws Exception {
    TestTar tar = new TestTar().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
    var index = TestImage.JSON.createObjectNode();
    index.put("schemaVersion", 2);
    var d = image.manifest.descriptor();
    d.putObject("annotations").put("org.opencontainers.image.ref.name", name);
    index.putArray("manifests").add(d);
    tar.file("index.json", new String(TestImage.bytes(index), StandardCharsets.UTF_8));
    for (TestImage.Blob b : image.blobs()) {
      tar.file("blobs/sha256/" + b.digest().hex(), b.bytes(), 0644, 0, 0);
    }
    tar.file("blobs/sha256/" + image.manifest.digest().hex(), image.manifest.bytes(), 0644, 0, 0);
    return tar.bytes();
  }

  static byte[] dockerSave(byte[] layer1, byte[] layer2, TestImage image, String tag) {
    var manifest = TestImage.JSON.createArrayNode();
    var e = manifest.addObject();
    e.put("Config", image.id().hex() + ".json");
    e.putArray("RepoTags").add(tag);
    e.putArray("Layers").add("l1/layer.tar").add("l2/layer.tar");
    return new TestTar()
        .file(image.id().hex() + ".json", image.config.bytes(), 0644, 0, 0)
        .file("l1/layer.tar", layer1, 0644, 0, 0)
        .file("l2/layer.tar", layer2, 0644, 0, 0)
        .file("manifest.json", new String(TestImage.bytes(manifest), StandardCharsets.UTF_8))
        .bytes();
  }

  @Test
  void importsAnOciLayoutListsAndRemoves() throws Exception {
    TestImage image = sample("oci");
    Path archive = tmp.resolve("oci.tar.gz");
    Files.write(archive, TestTar.gzip(ociLayout(image, "registry.k8s.io/pause:3.10")));

    assertThat(run("import", archive.toString())).as(err.toString()).isZero();
    assertThat(stdout()).contains("imported " + image.id()).contains("registry.k8s.io/pause:3.10");

    ImageService images = ImageService.open(root, config().registry());
    ImageInfo info = images.status("registry.k8s.io/pause:3.10").orElseThrow();
    assertThat(info.id()).isEqualTo(image.id().toString());
    assertThat(info.repoDigests()).containsExactly("registry.k8s.io/pause@" + image.manifest.digest());
    assertThat(Files.readString(images.layerPath(LayerStore.chainIds(image.diffIds).get(1)).resolve("etc/oci"))).isEqualTo("oci");

    assertThat(run("list")).isZero();
    assertThat(stdout()).contains(image.id().hex().substring(0, 12)).contains("registry.k8s.io/pause:3.10");
    assertThat(run("remove", "registry.k8s.io/pause:3.10")).isZero();
    assertThat(images.list("")).isEmpty();
    assertThat(images.layers().list()).isEmpty();
  }

  @Test
  void importsADockerSaveArchive() throws Exception {
    byte[] l1 = new TestTar().file("a", "docker-save").bytes();
    byte[] l2 = new TestTar().file("b", "second").bytes();
    TestImage image = TestImage.builder().docker().layer(l1, TestImage.Compression.NONE).layer(l2, TestImage.Compression.NONE).build();
    Path archive = tmp.resolve("save.tar");
    Files.write(archive, dockerSave(l1, l2, image, "myapp:1.0"));

    assertThat(run("import", archive.toString())).as(err.toString()).isZero();

    ImageService images = ImageService.open(root, config().registry());
    ImageInfo info = images.status("docker.io/library/myapp:1.0").orElseThrow();
    assertThat(info.id()).isEqualTo(image.id().toString());
    assertThat(info.uid()).isNull();
    assertThat(Files.readString(images.layerPath(LayerStore.chainIds(image.diffIds).get(0)).resolve("a"))).isEqualTo("docker-save");
  }

  @Test
  void refusesBadArchivesAndBadUsage() throws Exception {
    Path junk = tmp.resolve("junk.tar");
    Files.write(junk, new TestTar().file("hello", "world").bytes());
    assertThat(run("import", junk.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("neither an OCI image layout");
    assertThat(run("import", tmp.resolve("missing.tar").toString())).isEqualTo(1);
    assertThat(run("frobnicate")).isEqualTo(2);
    assertThat(run()).isEqualTo(2);
    assertThat(run("remove", "not/there:1")).isZero();
    assertThat(ImagesCommand.firstOperand(List.of("--root", "/x", "--log-level=debug", "list"))).isEqualTo(3);
  }

  @Test
  void importsWhatSkopeoWritesFromTheRegistry() throws Exception {
    Path skopeo = Path.of("/usr/bin/skopeo");
    assertThat(skopeo).as("skopeo is needed for this cross-check: apt-get install skopeo").exists();
    TestImage image = sample("skopeo");
    try (RegistryFixture registry = RegistryFixture.start(tmp.resolve("registry"))) {
      registry.push("cross/check", "v1", image);
      Path oci = tmp.resolve("skopeo-oci.tar");
      Path docker = tmp.resolve("skopeo-docker.tar");
      exec(skopeo.toString(), "copy", "--src-tls-verify=false", "docker://" + registry.host() + "/cross/check:v1",
          "oci-archive:" + oci + ":example.com/cross/check:v1");
      exec(skopeo.toString(), "copy", "--src-tls-verify=false", "docker://" + registry.host() + "/cross/check:v1",
          "docker-archive:" + docker + ":example.com/cross/docker:v1");

      assertThat(run("import", oci.toString())).as(err.toString()).isZero();
      assertThat(run("import", docker.toString())).as(err.toString()).isZero();

      ImageService images = ImageService.open(root, config().registry());
      assertThat(images.status("example.com/cross/check:v1").orElseThrow().id()).isEqualTo(image.id().toString());
      assertThat(images.status("example.com/cross/docker:v1").orElseThrow().id()).isEqualTo(image.id().toString());
      assertThat(images.list("")).hasSize(1);
    }
  }

  private static void exec(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(String.join(" ", cmd) + "\n" + output).isZero();
  }

  @SuppressWarnings("unused")
  private static final Map<String, String> NONE = Map.of();
}
