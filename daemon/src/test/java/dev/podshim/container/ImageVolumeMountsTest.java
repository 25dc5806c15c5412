package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An image volume's sub path is looked up inside the image: links end in it, and it must be a directory there. */
class ImageVolumeMountsTest {
  private static final String FIELD = "config.mounts[3].image_sub_path";
  @TempDir Path image;
  @TempDir Path host;

  @BeforeEach
  void anImage() throws Exception {
    Files.createDirectories(image.resolve("data/sub"));
    Files.writeString(image.resolve("data/file"), "x");
    Files.createDirectories(host.resolve("secret"));
    Files.createSymbolicLink(image.resolve("data/abs"), Path.of("/data/sub"));
    Files.createSymbolicLink(image.resolve("data/rel"), Path.of("sub"));
    // would reach the host's directory if the link were followed on the host
    Files.createSymbolicLink(image.resolve("data/out"), host.resolve("secret"));
    Files.createSymbolicLink(image.resolve("data/up"),
        Path.of("../../../../../../..").resolve(host.toString().substring(1)));
  }

  @Test
  void noSubPathIsTheImageRoot() {
    assertThat(ImageVolumeMounts.source(image, "", FIELD)).isEqualTo(image);
  }

  @ParameterizedTest
  @CsvSource({"data/sub, data/sub", "data/abs, data/sub", "data/rel, data/sub", "data/./sub/, data/sub", "data, data"})
  void linksResolveInsideTheImage(String subPath, String expected) {
    assertThat(ImageVolumeMounts.source(image, subPath, FIELD)).isEqualTo(image.resolve(expected));
  }

  @ParameterizedTest
  @CsvSource({"data/out, does not exist", "data/up, does not exist", "data/missing, does not exist",
      "data/file, not a directory"})
  void whatIsNotADirectoryOfTheImageIsRefusedNamingTheField(String subPath, String why) {
    assertThatThrownBy(() -> ImageVolumeMounts.source(image, subPath, FIELD))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).startsWith(FIELD + ": ").contains(why);
        });
  }
}
