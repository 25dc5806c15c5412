package dev.podshim.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small parsers and the CPU rate. */
class StatsPartsTest {
  @Test
  void netDevSkipsLoopbackAndHeaders() throws Exception {
    List<InterfaceStats> all = NetDev.parse(Files.readString(CgroupReadersTest.fixture("net-dev")));
    assertThat(all).containsExactly(
        new InterfaceStats("eth0", 5_243_126, 3617, 2, 5, 186_734, 2207, 1, 3),
        new InterfaceStats("net1", 900, 10, 0, 0, 450, 5, 0, 0));
    assertThat(NetworkSample.of(1, all).defaultInterface().name()).isEqualTo("eth0");
    assertThat(NetworkSample.of(1, all.subList(1, 2)).defaultInterface().name()).isEqualTo("net1");
    assertThat(NetworkSample.of(1, List.of())).isNull();
  }

  @Test
  void cpuRateOverAWindowOfAtLeastASecondOnceThereIsOne() {
    CpuRates rates = new CpuRates();
    long s = 1_000_000_000L;
    long ms = 1_000_000L;
    assertThat(rates.nanoCores("c", 10 * s, 5 * s)).as("first sight").isEmpty();
    assertThat(rates.nanoCores("c", 10 * s + 100 * ms, 5 * s + 50 * ms)).as("only one reading to go by")
        .hasValue(500_000_000L);
    assertThat(rates.nanoCores("c", 12 * s, 7 * s)).hasValue(1_000_000_000L);
    // 10 ms after the latest: measured from the reading before it, two seconds back
    assertThat(rates.nanoCores("c", 12 * s + 10 * ms, 7 * s + 10 * ms)).hasValue(1_000_000_000L);
    assertThat(rates.nanoCores("c", 14 * s, 8 * s)).as("from the latest kept, not the 10 ms one")
        .hasValue(500_000_000L);
    assertThat(rates.nanoCores("c", 15 * s, 1)).as("a new cgroup under the same id").isEmpty();
    rates.retainOnly(Set.of());
    assertThat(rates.size()).isZero();
  }

  @ParameterizedTest
  @CsvSource({
      "/kubepods/besteffort/pod1/abc, /kubepods/besteffort/pod1/abc",
      "/podshim/abc, /podshim/abc",
      "kubepods-besteffort-pod1.slice:podshim:abc, /kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/podshim-abc.scope",
      "system.slice:podshim:abc, /system.slice/podshim-abc.scope",
      ":podshim:abc, /system.slice/podshim-abc.scope"})
  void containerCgroupFromTheSpecsCgroupsPath(String cgroupsPath, String relative) {
    assertThat(dev.podshim.oci.CgroupsPath.relative(cgroupsPath)).isEqualTo(relative);
  }
}
