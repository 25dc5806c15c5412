package dev.podshim.image;

import java.nio.file.Path;

/** A public face of the test registry for tests in other packages (api handler tests). */
public final class ImageTestRegistry implements AutoCloseable {
  private final RegistryFixture registry;

  private ImageTestRegistry(RegistryFixture registry) {
    this.registry = registry;
  }

  public static ImageTestRegistry start(Path dir) throws Exception {
    return new ImageTestRegistry(RegistryFixture.start(dir));
  }

  public String host() {
    return registry.host();
  }

  /** Pushes a two-layer image whose config has {@code user}; returns its reference. */
  public String pushSample(String repo, String tag, String user) throws Exception {
    TestImage image = TestImage.builder().user(user)
        .layer(new TestTar().dir("etc").file("etc/os-release", "ID=podshim-test\n"))
        .layer(new TestTar().file(repo.replace('/', '_'), tag))
        .build();
    registry.push(repo, tag, image);
    return registry.host() + "/" + repo + ":" + tag;
  }

  /**
   * Pushes a busybox image made from Debian's busybox-static: /bin/busybox with its applets as
   * symlinks, /etc/passwd and /etc/group with root, nobody and a user alice (1000:1000, also in
   * group extra 2000), default command {@code sh}; returns its reference.
   */
  public String pushBusybox(String repo, String tag) throws Exception {
    TestTar tar = new TestTar().dir("bin").dir("etc").dir("tmp", 01777, 0, 0).dir("root").dir("proc").dir("sys")
        .dir("dev").dir("home").dir("home/alice", 0755, 1000, 1000)
        .file("bin/busybox", java.nio.file.Files.readAllBytes(BUSYBOX), 0755, 0, 0)
        .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:alice:/home/alice:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/:/bin/false\n")
        .file("etc/group", "root:x:0:\nalice:x:1000:\nextra:x:2000:alice\nnogroup:x:65534:\n");
    for (String applet : APPLETS) {
      tar.symlink("bin/" + applet, "busybox");
    }
    TestImage image = TestImage.builder().cmd(java.util.List.of("sh")).layer(tar).build();
    registry.push(repo, tag, image);
    return registry.host() + "/" + repo + ":" + tag;
  }

  /**
   * Pushes a two-layer data image for image volumes: {@code /data/hello.txt}, {@code
   * /data/sub/inner.txt}, {@code /data/second.txt} (from the second layer), a symlink {@code
   * /data/link} to {@code /data/sub}, and a symlink {@code /data/escape} climbing to {@code /etc},
   * which the image has not (the host has); returns its reference.
   */
  public String pushVolumeData(String repo, String tag) throws Exception {
    TestImage image = TestImage.builder()
        .layer(new TestTar().dir("data").dir("data/sub").file("data/hello.txt", "hello from an image volume\n")
            .file("data/sub/inner.txt", "inner\n").symlink("data/link", "/data/sub")
            .symlink("data/escape", "../../../../../../../../etc"))
        .layer(new TestTar().dir("data").file("data/second.txt", "from the second layer\n"))
        .build();
    registry.push(repo, tag, image);
    return registry.host() + "/" + repo + ":" + tag;
  }

  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final java.util.List<String> APPLETS = java.util.List.of("sh", "echo", "sleep", "cat", "id", "ls",
      "ps", "printf", "hostname", "grep", "mount", "touch", "head", "env", "pwd", "true", "false", "kill", "wc",
      "nc", "wget", "httpd", "ip", "top", "test", "stat", "mkdir", "rm", "seq", "dd", "yes", "awk", "sed", "uname");

  @Override
  public void close() throws Exception {
    registry.close();
  }
}
