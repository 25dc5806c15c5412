package dev.podshim.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** This node's AppArmor: its files under /sys and /proc, and apparmor_parser. */
public final class KernelAppArmor implements AppArmorHost {
  private static final Path ENABLED = Path.of("/sys/module/apparmor/parameters/enabled");
  private static final Path SECURITYFS = Path.of("/sys/kernel/security/apparmor");
  private static final Path POLICY_DIR = Path.of("/etc/apparmor.d");
  /** Where Debian, Ubuntu and SUSE install it; PATH is searched first. */
  private static final List<String> PARSER_DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");
  /** Compiling the default profile takes ~0.1 s natively; generous for an emulated or busy node. */
  private static final long PARSER_TIMEOUT_SECONDS = 120;

  private final Path root;
  private final @Nullable Path parser;

  /** The node this daemon runs on. */
  public static KernelAppArmor host() {
    return new KernelAppArmor(Path.of("/"), findParser());
  }

  KernelAppArmor(Path root, @Nullable Path parser) {
    this.root = root;
    this.parser = parser;
  }

  @Override
  public boolean available() {
    return "Y".equals(firstLine(at(ENABLED))) && Files.isDirectory(at(SECURITYFS)) && parser != null;
  }

  @Override
  public Set<String> loadedProfiles() throws IOException {
    // one line a profile: "<name> (<mode>)"; a name holds no space
    Set<String> names = new HashSet<>();
    for (String line : Files.readAllLines(at(SECURITYFS.resolve("profiles")))) {
      int mode = line.lastIndexOf(" (");
      names.add(mode < 0 ? line.strip() : line.substring(0, mode));
    }
    return names;
  }

  @Override
  public String ownLabel() {
    // "unconfined", or "<profile> (<mode>)"; the newer per-LSM file first, as with stacked LSMs
    String label = firstLine(at(Path.of("/proc/self/attr/apparmor/current")));
    if (label.isEmpty()) {
      label = firstLine(at(Path.of("/proc/self/attr/current")));
    }
    int mode = label.lastIndexOf(" (");
    label = mode < 0 ? label : label.substring(0, mode);
    return label.isEmpty() ? "unconfined" : label;
  }

  @Override
  public boolean hasPolicyFile(String relative) {
    return Files.exists(at(POLICY_DIR).resolve(relative));
  }

  /** {@code apparmor_parser -Kr}: load or replace, from stdin, without writing the parser's cache. */
  @Override
  public String load(String profile) throws IOException {
    if (parser == null) {
      throw new IOException("apparmor_parser is not installed");
    }
    Process p = new ProcessBuilder(parser.toString(), "--replace", "--skip-cache")
        .redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(profile.getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream s = p.getInputStream()) {
      s.transferTo(out);
    }
    try {
      if (!p.waitFor(PARSER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("apparmor_parser did not finish in " + PARSER_TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while apparmor_parser ran", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException("apparmor_parser exited " + p.exitValue() + ": "
          + out.toString(StandardCharsets.UTF_8).strip());
    }
    return out.toString(StandardCharsets.UTF_8).strip();
  }

  private Path at(Path absolute) {
    return root.resolve(absolute.toString().substring(1));
  }

  private static @Nullable Path findParser() {
    String path = System.getenv("PATH");
    List<String> dirs = new java.util.ArrayList<>(path == null ? List.of() : List.of(path.split(":")));
    dirs.addAll(PARSER_DIRS);
    for (String dir : dirs) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "apparmor_parser");
      if (dir.startsWith("/") && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** /sys and /proc files answer only a first short read: read line-wise. Empty when unreadable. */
  private static String firstLine(Path p) {
    try {
      return Files.readAllLines(p).stream().findFirst().orElse("").strip();
    } catch (IOException e) {
      return "";
    }
  }
}
