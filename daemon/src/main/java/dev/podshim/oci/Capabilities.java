package dev.podshim.oci;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Linux capabilities by name, the set a container gets (containerd's defaults, the CRI's add and
 * drop lists, privileged), and the set podshimd itself holds. Every set is ordered by capability
 * number, so the spec written for the same request is the same.
 */
public final class Capabilities {

  /** Every capability this table knows, index = capability number (linux/capability.h). */
  public static final List<String> ALL = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
      "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
      "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
      "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
      "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
      "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE");

  /** What a container gets when it asks for nothing: containerd's default spec. */
  public static final Set<String> DEFAULT = ordered(List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
      "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
      "CAP_AUDIT_WRITE"));

  private static final String ADD = "config.linux.security_context.capabilities.add_capabilities";
  private static final String DROP = "config.linux.security_context.capabilities.drop_capabilities";
  private static final String AMBIENT = "config.linux.security_context.capabilities.add_ambient_capabilities";

  private Capabilities() {}

  /**
   * The bounding (= effective = permitted) set of a container, as containerd computes it: the
   * defaults, or every capability when {@code add} has "ALL", none when {@code drop} has "ALL",
   * then the named adds, then the named drops. Privileged means every capability. Never more
   * than {@code host}: runc fails a container asking for one the daemon lacks.
   */
  public static Set<String> resolve(List<String> add, List<String> drop, boolean privileged, Set<String> host) {
    List<String> adds = canonical(ADD, add);
    List<String> drops = canonical(DROP, drop);
    Set<String> caps = new LinkedHashSet<>(DEFAULT);
    if (privileged || adds.contains("ALL")) {
      caps.addAll(ALL);
    }
    if (!privileged) {
      if (drops.contains("ALL")) {
        caps.clear();
      }
      adds.stream().filter(c -> !c.equals("ALL")).forEach(caps::add);
      drops.forEach(caps::remove);
    }
    caps.retainAll(host);
    return ordered(caps);
  }

  /** The ambient set: the named capabilities the daemon holds ("ALL" is not accepted here). */
  public static Set<String> ambient(List<String> add, Set<String> host) {
    List<String> adds = canonical(AMBIENT, add);
    if (adds.contains("ALL")) {
      throw CriException.invalidArgument(AMBIENT + ": \"ALL\" is not allowed");
    }
    Set<String> caps = new LinkedHashSet<>(adds);
    caps.retainAll(host);
    return ordered(caps);
  }

  /** The capabilities this process has in effect, from /proc/self/status. */
  public static Set<String> held() {
    Path status = Path.of("/proc/self/status");
    try {
      return held(Files.readString(status));
    } catch (IOException e) {
      throw new UncheckedIOException("read " + status, e);
    }
  }

  /** The capabilities of a /proc/PID/status text's CapEff line; bits this table lacks are left out. */
  public static Set<String> held(String procStatus) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith("CapEff:")) {
        long mask = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
        Set<String> caps = new LinkedHashSet<>();
        for (int bit = 0; bit < ALL.size(); bit++) {
          if ((mask & (1L << bit)) != 0) {
            caps.add(ALL.get(bit));
          }
        }
        return ordered(caps);
      }
    }
    throw new IllegalArgumentException("no CapEff line in the process status");
  }

  /** "chown", "CAP_CHOWN", "Cap_Chown" → "CAP_CHOWN"; "all" → "ALL"; unknown names are refused naming the field. */
  private static List<String> canonical(String field, List<String> names) {
    return IntStream.range(0, names.size()).mapToObj(i -> {
      String upper = names.get(i).toUpperCase(Locale.ROOT);
      if (upper.equals("ALL")) {
        return upper;
      }
      String name = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
      if (!ALL.contains(name)) {
        throw CriException.invalidArgument(field + "[" + i + "]: unknown capability \""
            + names.get(i).replaceAll("[\\x00-\\x1f\\x7f]", "?") + "\"");
      }
      return name;
    }).toList();
  }

  private static Set<String> ordered(Collection<String> caps) {
    Set<String> result = new LinkedHashSet<>();
    for (String cap : ALL) {
      if (caps.contains(cap)) {
        result.add(cap);
      }
    }
    return Collections.unmodifiableSet(result);
  }
}
