package dev.podshim.network;

import dev.podshim.errors.CriException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kubernetes resource quantities in the bandwidth annotations ({@code 10M}, {@code 1.5Gi},
 * {@code 1e6}), read as kubelet does: the value in bits per second, rounded up to a whole number,
 * and refused outside 1k..1P as unreasonable.
 */
final class BandwidthQuantity {
  static final String INGRESS = "kubernetes.io/ingress-bandwidth";
  static final String EGRESS = "kubernetes.io/egress-bandwidth";

  private static final Pattern QUANTITY =
      Pattern.compile("([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?");
  private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
      Map.entry("n", new BigDecimal("1e-9")), Map.entry("u", new BigDecimal("1e-6")),
      Map.entry("m", new BigDecimal("1e-3")), Map.entry("k", new BigDecimal("1e3")),
      Map.entry("M", new BigDecimal("1e6")), Map.entry("G", new BigDecimal("1e9")),
      Map.entry("T", new BigDecimal("1e12")), Map.entry("P", new BigDecimal("1e15")),
      Map.entry("E", new BigDecimal("1e18")), Map.entry("Ki", BigDecimal.TWO.pow(10)),
      Map.entry("Mi", BigDecimal.TWO.pow(20)), Map.entry("Gi", BigDecimal.TWO.pow(30)),
      Map.entry("Ti", BigDecimal.TWO.pow(40)), Map.entry("Pi", BigDecimal.TWO.pow(50)),
      Map.entry("Ei", BigDecimal.TWO.pow(60)));
  private static final BigDecimal MIN = new BigDecimal("1e3");
  private static final BigDecimal MAX = new BigDecimal("1e15");

  private BandwidthQuantity() {}

  /**
   * Bits per second of annotation {@code annotation}'s {@code value}.
   *
   * @throws CriException INVALID_ARGUMENT naming the annotation
   */
  static long bitsPerSecond(String annotation, String value) {
    Matcher m = QUANTITY.matcher(value.strip());
    if (!m.matches()) {
      throw invalid(annotation, value, "not a resource quantity such as 10M or 1Gi");
    }
    String suffix = m.group(2);
    BigDecimal multiplier;
    if (suffix == null) {
      multiplier = BigDecimal.ONE;
    } else if (!SUFFIXES.containsKey(suffix)) { // e3, E-2: a decimal exponent
      int exponent;
      try {
        exponent = Integer.parseInt(suffix.substring(1));
      } catch (NumberFormatException e) {
        throw invalid(annotation, value, "exponent out of range");
      }
      if (Math.abs(exponent) > 30) {
        throw invalid(annotation, value, "exponent out of range");
      }
      multiplier = BigDecimal.ONE.scaleByPowerOfTen(exponent);
    } else {
      multiplier = SUFFIXES.get(suffix);
    }
    BigDecimal bits = new BigDecimal(m.group(1)).multiply(multiplier).setScale(0, RoundingMode.CEILING);
    if (bits.compareTo(MIN) < 0) {
      throw invalid(annotation, value, "unreasonably small (< 1kbit)");
    }
    if (bits.compareTo(MAX) > 0) {
      throw invalid(annotation, value, "unreasonably large (> 1Pbit)");
    }
    return bits.longValueExact();
  }

  private static CriException invalid(String annotation, String value, String why) {
    return CriException.invalidArgument("pod annotation " + annotation + " \"" + value + "\": " + why);
  }
}
