package dev.podshim.sandbox;

import dev.podshim.store.SandboxConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The per-pod files containers will see: resolv.conf from the DNS config (or the node's),
 * hostname, and hosts. They live in the sandbox directory, so removing it removes them.
 */
final class SandboxFiles {
  static final String RESOLV_CONF = "resolv.conf";
  static final String HOSTNAME = "hostname";
  static final String HOSTS = "hosts";

  private final Path hostResolvConf;
  private final Path hostHosts;

  SandboxFiles(Path hostResolvConf, Path hostHosts) {
    this.hostResolvConf = hostResolvConf;
    this.hostHosts = hostHosts;
  }

  void write(Path dir, SandboxConfig config, String nodeHostname) throws IOException {
    boolean hostNetwork = config.namespaces().hostNetwork();
    String hostname = hostNetwork || config.hostname().isEmpty() ? nodeHostname : config.hostname();
    Files.writeString(dir.resolve(HOSTNAME), hostname + "\n");
    Files.write(dir.resolve(RESOLV_CONF), resolvConf(config.dns()));
    Files.write(dir.resolve(HOSTS), hostNetwork ? readOrEmpty(hostHosts) : podHosts(hostname));
  }

  private byte[] resolvConf(SandboxConfig.Dns dns) throws IOException {
    if (dns == null) {
      return readOrEmpty(hostResolvConf);
    }
    StringBuilder out = new StringBuilder();
    if (!dns.searches().isEmpty()) {
      out.append("search ").append(String.join(" ", dns.searches())).append('\n');
    }
    for (String server : dns.servers()) {
      out.append("nameserver ").append(server).append('\n');
    }
    if (!dns.options().isEmpty()) {
      out.append("options ").append(String.join(" ", dns.options())).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] podHosts(String hostname) {
    return ("127.0.0.1\tlocalhost\n"
            + "::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "fe00::0\tip6-localnet\n"
            + "fe00::0\tip6-mcastprefix\n"
            + "fe00::1\tip6-allnodes\n"
            + "fe00::2\tip6-allrouters\n"
            + "127.0.1.1\t" + hostname + "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] readOrEmpty(Path p) throws IOException {
    return Files.isReadable(p) ? Files.readAllBytes(p) : new byte[0];
  }
}
