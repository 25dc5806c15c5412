package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BandwidthQuantityTest {
  @ParameterizedTest
  @CsvSource({
      "1M, 1000000",
      "10M, 10000000",
      "10Mi, 10485760",
      "100k, 100000",
      "1k, 1000",
      "1Ki, 1024",
      "1.5G, 1500000000",
      "2.5Mi, 2621440",
      "1e6, 1000000",
      "1E3, 1000",
      "1000, 1000",
      "1.5Ki, 1536",
      "1000500m, 1001", // rounded up, as Quantity.Value() does
      "1P, 1000000000000000",
      "' 5M ', 5000000",
  })
  void quantitiesAreBitsPerSecond(String value, long bits) {
    assertThat(BandwidthQuantity.bitsPerSecond(BandwidthQuantity.INGRESS, value)).isEqualTo(bits);
  }

  @ParameterizedTest
  @CsvSource({
      "abc, not a resource quantity",
      "10MB, not a resource quantity",
      "1.2.3M, not a resource quantity",
      "M, not a resource quantity",
      "'', not a resource quantity",
      "10 M, not a resource quantity",
      "999, unreasonably small",
      "-10M, unreasonably small",
      "2P, unreasonably large",
      "1Ei, unreasonably large",
      "1e99, exponent out of range",
  })
  void badValuesAreInvalidArgumentsNamingTheAnnotation(String value, String why) {
    assertThatThrownBy(() -> BandwidthQuantity.bitsPerSecond(BandwidthQuantity.EGRESS, value))
        .isInstanceOfSatisfying(CriException.class, e -> {
          assertThat(e.kind()).isEqualTo(CriException.Kind.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("kubernetes.io/egress-bandwidth").contains("\"" + value + "\"").contains(why);
        });
  }
}
