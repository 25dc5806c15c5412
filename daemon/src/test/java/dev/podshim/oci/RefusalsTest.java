package dev.podshim.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** runc 1.1.5's own lines, as this node's runc wrote them, and whose fault each is. */
class RefusalsTest {
  @ParameterizedTest(name = "{1}: {0}")
  @CsvSource(delimiter = '|', value = {
      "runc create failed: unable to start container process: exec: \"\": executable file not found in $PATH|REQUEST",
      "runc create failed: unable to start container process: exec: \"/etc\": permission denied|REQUEST",
      "runc create failed: args must not be empty|REQUEST",
      "error mounting \"/h\" to rootfs at \"/proc/sysrq-trigger\": \"/r/proc/sysrq-trigger\" cannot be mounted because it is inside /proc|REQUEST",
      "runc create failed: string SCMP_ACT_BOGUS is not a valid action for seccomp|REQUEST",
      "runc create failed: seccomp flags are not yet supported by runc|REQUEST",
      "runc create failed: unable to start container process: listenerPath is not set|REQUEST",
      "runc create failed: invalid configuration: cannot use unified on cgroup v1|REQUEST",
      "runc update: json: cannot unmarshal number -1 into Go struct field LinuxCPU.cpu.shares of type uint64|REQUEST",
      "error setting cgroup config for procHooks process: the maximum allowed cpu-shares is 262144|REQUEST",
      "failed to write \"1\": write /sys/fs/cgroup/cpu/podshim/x/cpu.cfs_quota_us: invalid argument|REQUEST",
      "failed to write \"0-99999\": write /sys/fs/cgroup/cpuset/podshim/x/cpuset.cpus: numerical result out of range|REQUEST",
      "error setting cgroup config for procHooks process: unable to set memory limit to 1 (current usage: 1908736, peak usage: 2252800)|REQUEST",
      "error during container init: mkdir /etc/passwd: not a directory|REQUEST",
      "runc start: cannot start a container that has stopped|STATE",
      "runc update: container not running|STATE",
      "runc create failed: unable to start container process: can't get final child's PID from pipe: EOF|RUNTIME",
      "conmon: no answer from runc create: timed out|RUNTIME",
      "runc delete: container does not exist|RUNTIME"})
  void eachLineIsBlamedOnWhatCausedIt(String line, OciException.Blame blame) {
    assertThat(Refusals.blame(line)).isEqualTo(blame);
  }
}
