package dev.podshim.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.cri.v1.ContainerConfig;
import dev.podshim.cri.v1.ContainerMetadata;
import dev.podshim.cri.v1.ImageSpec;
import dev.podshim.cri.v1.Mount;
import dev.podshim.errors.CriException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How CreateContainer's image volume mounts map to the domain, and what is refused before anything is touched. */
class ImageVolumeConfigTest {
  private static ContainerConfig config(UnaryOperator<Mount.Builder> mount) {
    return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
        .setImage(ImageSpec.newBuilder().setImage("busybox"))
        .addMounts(Mount.newBuilder().setContainerPath("/host").setHostPath("/etc"))
        .addMounts(mount.apply(Mount.newBuilder().setContainerPath("/vol")
            .setImage(ImageSpec.newBuilder().setImage("sha256:" + "a".repeat(64))).setReadonly(true)))
        .build();
  }

  @Test
  void anImageVolumeKeepsItsImageAndSubPath() {
    var mounts = ContainerConfigMapper.fromProto(config(m -> m.setImageSubPath("models/v1"))).mounts();
    assertThat(mounts.get(0).mountsImage()).isFalse();
    assertThat(mounts.get(1).image()).isEqualTo("sha256:" + "a".repeat(64));
    assertThat(mounts.get(1).imageSubPath()).isEqualTo("models/v1");
    assertThat(mounts.get(1).hostPath()).isEmpty();
    assertThat(mounts.get(1).readonly()).isTrue();
  }

  static Stream<Arguments> refused() {
    return Stream.of(
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setImageSubPath("../x"), "config.mounts[1].image_sub_path"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setImageSubPath("a/../../x"),
            "config.mounts[1].image_sub_path"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setImageSubPath("/abs"), "config.mounts[1].image_sub_path"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setImageSubPath("nul\0"), "config.mounts[1].image_sub_path"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setReadonly(false), "config.mounts[1].readonly"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setHostPath("/etc"), "config.mounts[1].host_path"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.setImage(ImageSpec.newBuilder().setImage("x".repeat(600))),
            "config.mounts[1].image.image"),
        Arguments.of((UnaryOperator<Mount.Builder>) m -> m.clearImage().setHostPath("/etc").setImageSubPath("a"),
            "config.mounts[1].image_sub_path"));
  }

  @ParameterizedTest
  @MethodSource("refused")
  void badImageVolumesAreInvalidArgumentNamingTheField(UnaryOperator<Mount.Builder> mount, String field) {
    assertThatThrownBy(() -> ContainerConfigMapper.fromProto(config(mount)))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).startsWith(field + ":");
        });
  }
}
