package dev.podshim.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
  private static final String D = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "busybox:1.36, docker.io/library/busybox:1.36",
      "library/busybox, docker.io/library/busybox:latest",
      "docker.io/busybox, docker.io/library/busybox:latest",
      "index.docker.io/library/busybox:1, docker.io/library/busybox:1",
      "bitnami/redis:7, docker.io/bitnami/redis:7",
      "registry.k8s.io/pause:3.10, registry.k8s.io/pause:3.10",
      "localhost/app, localhost/app:latest",
      "localhost:5000/a/b/c:v1, localhost:5000/a/b/c:v1",
      "127.0.0.1:5000/app, 127.0.0.1:5000/app:latest",
      "busybox@" + D + ", docker.io/library/busybox@" + D,
      "busybox:1.36@" + D + ", docker.io/library/busybox@" + D,
      "quay.io/a/b:tag_1.0-x@" + D + ", quay.io/a/b@" + D,
  })
  void normalisesAsKubeletAndContainerdDo(String in, String out) {
    assertThat(ImageReference.parse(in).toString()).isEqualTo(out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "Busybox", "busybox:", "busybox:bad/tag", "busybox@sha256:abc", "busybox@md5:"
      + "0123456789abcdef0123456789abcdef", "a//b", "-a/b", "my_reg:5000:x/y", "busybox:" + "x"})
  void refusesMalformedReferences(String in) {
    if (in.equals("busybox:x")) {
      assertThat(ImageReference.parse(in).tag()).isEqualTo("x");
      return;
    }
    assertThatThrownBy(() -> ImageReference.parse(in)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @CsvSource({"sha256:" + "ab", "abc"})
  void idLikeStrings(String s) {
    assertThat(ImageReference.looksLikeId(s)).isFalse();
    assertThat(ImageReference.looksLikeId("sha256:" + "ab".repeat(32))).isTrue();
    assertThat(ImageReference.looksLikeId("ab".repeat(32))).isTrue();
  }
}
