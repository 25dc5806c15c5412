package dev.podshim.container;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podshim.store.ContainerConfig;
import java.util.LinkedHashSet;
import java.util.Set;

/** The spec's {@code process}: what runs, as whom, with which capabilities and limits. */
final class SpecProcess {
  /** containerd's default spec: RLIMIT_NOFILE 1024, soft and hard. */
  private static final int NOFILE = 1024;

  private SpecProcess() {}

  /**
   * @param caps the bounding, effective and permitted set (ambient ones included)
   * @param ambient the ambient set, also inheritable: the kernel raises only inheritable ones
   */
  static ObjectNode build(SpecInput in, ResolvedUser user, Set<String> caps, Set<String> ambient) {
    ContainerConfig config = in.config();
    ObjectNode process = Json.object();
    process.put("terminal", config.tty());
    ObjectNode u = process.putObject("user");
    u.put("uid", user.uid());
    u.put("gid", user.gid());
    u.set("additionalGids", Json.longs(user.supplementalGroups()));
    process.set("args", Json.strings(SpecCommand.args(config, in.image())));
    process.set("env", Json.strings(SpecCommand.env(config, in.image(), in.pod().hostname())));
    process.put("cwd", SpecCommand.cwd(config, in.image()));
    ObjectNode capabilities = process.putObject("capabilities");
    for (String set : new String[] {"bounding", "effective", "permitted"}) {
      capabilities.set(set, Json.strings(caps));
    }
    capabilities.set("inheritable", Json.strings(ambient));
    capabilities.set("ambient", Json.strings(ambient));
    process.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", NOFILE).put("soft", NOFILE);
    process.put("noNewPrivileges", config.security().noNewPrivs());
    process.put("oomScoreAdj", oomScoreAdj(config.resources().oomScoreAdj(), in.host().oomScoreAdj()));
    String apparmor = SpecAppArmor.profile(config.security().apparmor(), config.security().privileged(),
        in.host().appArmor());
    if (apparmor != null) {
      process.put("apparmorProfile", apparmor);
    }
    return process;
  }

  /** Every capability of either set, in the order of the first. */
  static Set<String> union(Set<String> caps, Set<String> ambient) {
    Set<String> all = new LinkedHashSet<>(caps);
    all.addAll(ambient);
    return all;
  }

  /**
   * Never below podshimd's own score: lowering it needs CAP_SYS_RESOURCE, which the daemon may
   * lack, and the OCI runtime would fail the container with EPERM.
   */
  static int oomScoreAdj(long requested, int daemon) {
    ResourceLimits.oomScoreAdj("config.linux.resources.oom_score_adj", requested);
    return Math.max((int) requested, daemon);
  }
}
