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

  @Override
  public void close() throws Exception {
    registry.close();
  }
}
