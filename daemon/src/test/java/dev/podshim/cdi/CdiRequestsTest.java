package dev.podshim.cdi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class CdiRequestsTest {
  @Test
  void fieldDevicesFirstThenAnnotationsByKeyEachNameOnce() {
    List<CdiRegistry.Request> r = CdiRequests.of(List.of("a.com/x=1", "a.com/x=2"), Map.of(
        "cdi.k8s.io/zz", "b.com/y=1", "cdi.k8s.io/aa", "a.com/x=2,b.com/y=0:1", "other/key", "not=a/device"));
    assertThat(r).containsExactly(
        new CdiRegistry.Request("config.CDI_devices[0].name", "a.com/x=1"),
        new CdiRegistry.Request("config.CDI_devices[1].name", "a.com/x=2"),
        new CdiRegistry.Request("config.annotations[\"cdi.k8s.io/aa\"]", "b.com/y=0:1"),
        new CdiRegistry.Request("config.annotations[\"cdi.k8s.io/zz\"]", "b.com/y=1"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|a CDI device name is empty",
      "podshim.test/null|\"podshim.test/null\" is not a qualified CDI device name",
      "podshim.test=null|is not a qualified CDI device name",
      "/dev/null|is not a qualified CDI device name",
      "podshim.test/=null|is not a qualified CDI device name",
      "podshim.test/null=|is not a qualified CDI device name",
      "-vendor/null=a|vendor \"-vendor\" must start with a letter",
      "podshim.test/nu!l=a|class \"nu!l\" has an invalid character '!'",
      "podshim.test/null=a/b|device name \"a/b\" has an invalid character '/'",
      "podshim.test/null=-a|device name \"-a\" must start with a letter or digit"})
  void aMalformedNameIsInvalidNamingItsField(String name, String message) {
    assertThatThrownBy(() -> CdiRequests.of(List.of(name), Map.of())).isInstanceOfSatisfying(CriException.class,
        e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT))
        .hasMessageStartingWith("config.CDI_devices[0].name: ").hasMessageContaining(message);
    assertThatThrownBy(() -> CdiRequests.of(List.of(), Map.of("cdi.k8s.io/k", "a.com/b=c," + name)))
        .hasMessageStartingWith("config.annotations[\"cdi.k8s.io/k\"]: ").hasMessageContaining(message);
  }
}
