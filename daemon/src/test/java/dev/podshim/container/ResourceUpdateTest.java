package dev.podshim.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.podshim.store.ContainerConfig.Resources;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceUpdateTest {
  private static final Resources CURRENT = new Resources(100_000, 50_000, 512, 64L << 20, -997, "0", "0",
      Map.of("2MB", 4L << 20), Map.of("memory.high", "1000000", "pids.max", "64"), 96L << 20);

  @Test
  void aFieldLeftUnsetKeepsTheValueInForce() {
    Resources quotaAlone = new Resources(0, 30_000, 0, 0, 0, "", "", Map.of(), Map.of(), 0);
    assertThat(ResourceUpdate.merge(CURRENT, quotaAlone)).isEqualTo(new Resources(100_000, 30_000, 512, 64L << 20,
        -997, "0", "0", Map.of("2MB", 4L << 20), Map.of("memory.high", "1000000", "pids.max", "64"), 96L << 20));
  }

  @Test
  void setFieldsAndMapEntriesReplaceTheirOwn() {
    Resources requested = new Resources(200_000, 100_000, 1024, 80L << 20, 0, "0-1", "", Map.of("2MB", 0L),
        Map.of("pids.max", "128"), 0);
    assertThat(ResourceUpdate.merge(CURRENT, requested)).isEqualTo(new Resources(200_000, 100_000, 1024, 80L << 20,
        -997, "0-1", "0", Map.of("2MB", 0L), Map.of("memory.high", "1000000", "pids.max", "128"), 96L << 20));
  }
}
