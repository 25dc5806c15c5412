package dev.podshim.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MountInfoTest {
  private static final MountInfo TABLE = MountInfo.parse(String.join("\n",
      "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
      "40 27 0:40 / /mnt/private rw,relatime - tmpfs tmpfs rw",
      "41 27 0:41 / /mnt/slave rw,relatime master:7 - tmpfs tmpfs rw",
      "42 27 0:42 / /mnt/both rw,relatime shared:9 master:7 - tmpfs tmpfs rw",
      "43 27 0:43 / /mnt/with\\040space rw shared:3 - tmpfs tmpfs rw",
      "44 40 0:44 / /mnt/private/inner rw shared:4 - tmpfs tmpfs rw",
      "45 27 0:45 / /mnt/stacked rw shared:5 - tmpfs tmpfs rw",
      "46 27 0:46 / /mnt/stacked rw - tmpfs tmpfs rw",
      ""));

  @ParameterizedTest
  @CsvSource({
      "/, /, true, false",
      "/var/lib/x, /, true, false",
      "/mnt/private/a, /mnt/private, false, false",
      "/mnt/privateer, /, true, false",
      "/mnt/slave/b, /mnt/slave, false, true",
      "/mnt/both, /mnt/both, true, true",
      "/mnt/with space/c, /mnt/with space, true, false",
      "/mnt/private/inner/d, /mnt/private/inner, true, false",
      "/mnt/stacked/e, /mnt/stacked, false, false"})
  void theLongestContainingMountPointDecides(String path, String mountPoint, boolean shared, boolean slave) {
    assertThat(TABLE.containing(Path.of(path))).isEqualTo(new MountInfo.Mount(Path.of(mountPoint), shared, slave));
  }

  @Test
  void readsThisProcessesTable() {
    assertThat(MountInfo.read(Path.of("/proc/self/mountinfo")).containing(Path.of("/proc/self")).mountPoint())
        .isEqualTo(Path.of("/proc"));
  }

  @Test
  void deviceNumbersRoundTrip() {
    long rdev = FileCalls.makedev(259, 1_048_575);
    assertThat(FileCalls.major(rdev)).isEqualTo(259);
    assertThat(FileCalls.minor(rdev)).isEqualTo(1_048_575);
    assertThat(FileCalls.major(0x103L)).isEqualTo(1);
    assertThat(FileCalls.minor(0x103L)).isEqualTo(3);
  }
}
