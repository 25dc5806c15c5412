package dev.podshim.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** v1 and v2 files read into the same figures, from recorded and documented fixtures. */
class CgroupReadersTest {
  static Path fixture(String name) {
    try {
      return Path.of(CgroupReadersTest.class.getResource("/dev/podshim/stats/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CgroupV1Reader v1() {
    Path root = fixture("v1");
    return new CgroupV1Reader(Map.of("cpu", root.resolve("cpu"), "cpuacct", root.resolve("cpuacct"),
        "memory", root.resolve("memory"), "pids", root.resolve("pids")));
  }

  @Test
  void v1RecordedContainer() throws Exception {
    CgroupSample s = v1().read("/ctr", Detail.METRICS);
    assertThat(s).isNotNull();
    assertThat(s.timestampNanos()).isPositive();
    assertThat(s.cpu()).isEqualTo(new CgroupSample.Cpu(284_243_522L, 170_000_000L, 100_000_000L, 7, 0, 0));
    CgroupSample.Memory m = s.memory();
    assertThat(m.usageBytes()).isEqualTo(51_535_872L);
    assertThat(m.workingSetBytes()).isEqualTo(51_535_872L - 16_777_216L);
    assertThat(m.limitBytes()).hasValue(268_435_456L);
    assertThat(m.availableBytes()).hasValue(268_435_456L - (51_535_872L - 16_777_216L));
    assertThat(m.rssBytes()).isEqualTo(114_688L);
    assertThat(m.cacheBytes()).isEqualTo(50_331_648L);
    assertThat(m.pageFaults()).isEqualTo(439);
    assertThat(m.majorPageFaults()).isZero();
    assertThat(m.swapBytes()).as("memsw minus memory").hasValue(0);
    assertThat(m.swapLimitBytes()).as("memsw unlimited").isEmpty();
    assertThat(m.maxUsageBytes()).hasValue(51_535_872L);
    assertThat(m.failcnt()).hasValue(0);
    assertThat(m.oomKills()).hasValue(0);
    assertThat(s.processes()).hasValue(2);
  }

  @Test
  void v1StatsDepthSkipsTheMetricsOnlyFiles() throws Exception {
    CgroupSample s = v1().read("/ctr", Detail.STATS);
    assertThat(s.cpu().usageNanos()).isEqualTo(284_243_522L);
    assertThat(s.cpu().userNanos()).isZero();
    assertThat(s.memory().failcnt()).isEmpty();
    assertThat(s.memory().workingSetBytes()).isEqualTo(34_758_656L);
  }

  @Test
  void v2DocumentedContainer() throws Exception {
    CgroupSample s = new CgroupV2Reader(fixture("v2")).read("/pod/ctr", Detail.METRICS);
    assertThat(s.cpu()).isEqualTo(new CgroupSample.Cpu(2_864_329_000L, 1_993_412_000L, 870_917_000L, 412, 37,
        1_504_003_000L));
    CgroupSample.Memory m = s.memory();
    assertThat(m.usageBytes()).isEqualTo(78_180_352L);
    assertThat(m.workingSetBytes()).isEqualTo(78_180_352L - 25_165_824L);
    assertThat(m.limitBytes()).hasValue(268_435_456L);
    assertThat(m.availableBytes()).hasValue(268_435_456L - 53_014_528L);
    assertThat(m.rssBytes()).as("anon, as cAdvisor reads v2").isEqualTo(45_678_592L);
    assertThat(m.cacheBytes()).isEqualTo(30_408_704L);
    assertThat(m.mappedFileBytes()).isEqualTo(4_325_376L);
    assertThat(m.activeFileBytes()).isEqualTo(5_242_880L);
    assertThat(m.pageFaults()).isEqualTo(19_283L);
    assertThat(m.majorPageFaults()).isEqualTo(12);
    assertThat(m.swapBytes()).hasValue(1_048_576L);
    assertThat(m.swapLimitBytes()).as("memory.swap.max is max").isEmpty();
    assertThat(m.swapAvailableBytes()).isEmpty();
    assertThat(m.maxUsageBytes()).hasValue(90_177_536L);
    assertThat(m.failcnt()).isEmpty();
    assertThat(m.oomKills()).hasValue(1);
    assertThat(s.processes()).hasValue(3);
  }

  @Test
  void v2PodWithoutLimitSwapOrThrottlingAndAWorkingSetFlooredAtZero() throws Exception {
    CgroupSample s = new CgroupV2Reader(fixture("v2")).read("/pod", Detail.METRICS);
    assertThat(s.cpu().usageNanos()).isEqualTo(3_001_000_000L);
    assertThat(s.cpu().periods()).isZero();
    CgroupSample.Memory m = s.memory();
    assertThat(m.limitBytes()).isEmpty();
    assertThat(m.availableBytes()).isEmpty();
    assertThat(m.swapBytes()).isEmpty();
    assertThat(m.workingSetBytes()).as("inactive_file above usage").isZero();
    assertThat(s.processes()).hasValue(4);
  }

  @Test
  void aMissingCgroupIsNoSampleAndDotDotIsRefused() throws Exception {
    assertThat(v1().read("/gone", Detail.STATS)).isNull();
    assertThat(new CgroupV2Reader(fixture("v2")).read("/pod/gone", Detail.STATS)).isNull();
    assertThat(new CgroupV2Reader(fixture("v2").resolve("pod")).read("/../pod", Detail.STATS)).isNull();
  }

  @Test
  void detectsTheVersionThatHoldsTheControllers() throws Exception {
    assertThat(CgroupReader.detect(fixture("mountinfo-hybrid"))).isInstanceOf(CgroupV1Reader.class);
    assertThat(CgroupReader.detect(fixture("mountinfo-combined"))).isInstanceOf(CgroupV1Reader.class);
    assertThat(CgroupReader.detect(fixture("mountinfo-unified"))).isInstanceOf(CgroupV2Reader.class);
  }

  @Test
  void sumsContainersForAPodWithoutACgroupOfItsOwn() throws Exception {
    CgroupSample a = v1().read("/ctr", Detail.STATS);
    CgroupSample b = new CgroupV2Reader(fixture("v2")).read("/pod/ctr", Detail.STATS);
    CgroupSample sum = CgroupSample.sum(1, 2, java.util.List.of(a, b));
    assertThat(sum.cpu().usageNanos()).isEqualTo(284_243_522L + 2_864_329_000L);
    assertThat(sum.memory().usageBytes()).isEqualTo(51_535_872L + 78_180_352L);
    assertThat(sum.memory().workingSetBytes()).isEqualTo(34_758_656L + 53_014_528L);
    assertThat(sum.memory().limitBytes()).isEmpty();
    assertThat(sum.processes()).isEqualTo(OptionalLong.of(5));
  }
}
