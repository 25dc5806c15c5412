package dev.podshim.e2e.kubelet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The KUBE-* chains kubelet makes in iptables and ip6tables (KUBE-FIREWALL with its INPUT and
 * OUTPUT jumps, KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT). Those that did not exist before the run
 * are removed after it; those that did belong to another kubelet on this machine and stay.
 */
final class IptablesChains {
  private static final List<String> TABLES = List.of("filter", "nat", "mangle");
  private final Set<String> before;

  private IptablesChains(Set<String> before) {
    this.before = before;
  }

  static IptablesChains before() throws IOException, InterruptedException {
    return new IptablesChains(kubeChains());
  }

  /** "binary table chain" of every KUBE-* chain now. */
  private static Set<String> kubeChains() throws IOException, InterruptedException {
    Set<String> chains = new LinkedHashSet<>();
    for (String binary : List.of("iptables", "ip6tables")) {
      for (String table : TABLES) {
        for (String line : save(binary, table)) {
          if (line.startsWith(":KUBE-")) {
            chains.add(binary + " " + table + " " + line.substring(1, line.indexOf(' ')));
          }
        }
      }
    }
    return chains;
  }

  /** Removes the chains this run added, jumps to them first; returns what failed. */
  List<String> removeAdded() throws IOException, InterruptedException {
    List<String> problems = new ArrayList<>();
    Set<String> added = kubeChains();
    added.removeAll(before);
    for (String chain : added) {
      String[] f = chain.split(" ");
      for (String line : save(f[0], f[1])) {
        if (line.startsWith("-A ") && line.endsWith("-j " + f[2]) && !line.startsWith("-A " + f[2] + " ")) {
          List<String> delete = new ArrayList<>(List.of(f[0], "-t", f[1], "-D"));
          delete.addAll(arguments(line.substring(3)));
          run(delete, problems);
        }
      }
    }
    for (String chain : added) {
      String[] f = chain.split(" ");
      run(List.of(f[0], "-t", f[1], "-F", f[2]), problems);
    }
    for (String chain : added) {
      String[] f = chain.split(" ");
      run(List.of(f[0], "-t", f[1], "-X", f[2]), problems);
    }
    return problems;
  }

  /** Splits a rule as iptables-save prints it: words, and double-quoted strings (comments). */
  static List<String> arguments(String rule) {
    List<String> args = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean quoted = false;
    for (char c : rule.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ' ' && !quoted) {
        if (!word.isEmpty()) {
          args.add(word.toString());
          word.setLength(0);
        }
      } else {
        word.append(c);
      }
    }
    if (!word.isEmpty()) {
      args.add(word.toString());
    }
    return args;
  }

  private static List<String> save(String binary, String table) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(binary + "-save", "-t", table).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    return p.waitFor() == 0 ? out.lines().toList() : List.of();
  }

  private static void run(List<String> command, List<String> problems) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      problems.add(String.join(" ", command) + ": " + out.strip());
    }
  }
}
