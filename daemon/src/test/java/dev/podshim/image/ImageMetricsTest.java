package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.config.RegistryConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageMetricsTest {
  @TempDir Path dir;
  @TempDir Path root;

  @Test
  void pullsRecordDurationBytesReuseFailuresAndStoreSize() throws Exception {
    TestTar base = new TestTar().file("base", "shared base layer");
    TestImage one = TestImage.builder().layer(base).layer(new TestTar().file("one", "1")).build();
    TestImage two = TestImage.builder().layer(base).layer(new TestTar().file("two", "2")).build();
    try (RegistryFixture registry = RegistryFixture.start(dir)) {
      registry.push("m/one", "v1", one);
      registry.push("m/two", "v1", two);
      ImageService images = ImageService.open(root, RegistryConfig.empty());
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      images.metrics().bindTo(meters);

      images.pull(ImageReference.parse(registry.host() + "/m/one:v1"), PullAuth.NONE);
      images.pull(ImageReference.parse(registry.host() + "/m/two:v1"), PullAuth.NONE);
      assertThatThrownBy(() -> images.pull(ImageReference.parse(registry.host() + "/m/none:v1"), PullAuth.NONE));

      assertThat(meters.get("podshim.image.pull.duration").tag("outcome", "success").timer().count()).isEqualTo(2);
      assertThat(meters.get("podshim.image.pull.duration").tag("outcome", "failure").timer().count()).isEqualTo(1);
      long expected = one.blobs().stream().mapToLong(b -> b.bytes().length).sum()
          + two.config.bytes().length + two.layers.get(1).bytes().length;
      assertThat(meters.get("podshim.image.pull.bytes").counter().count()).isEqualTo(expected);
      assertThat(meters.get("podshim.image.layers.reused").counter().count()).isEqualTo(1);
      assertThat(meters.get("podshim.image.pull.failures").tag("reason", "not_found").counter().count()).isEqualTo(1);
      assertThat(meters.get("podshim.image.pull.failures").tag("reason", "auth").counter().count()).isZero();
      assertThat(meters.get("podshim.image.store.size").gauge().value()).isGreaterThan(expected);
    }
  }
}
