package dev.podshim.sandbox;

import static java.util.Objects.requireNonNull;

import dev.podshim.errors.CriException;
import dev.podshim.errors.CriException.Kind;
import dev.podshim.os.OsException;
import dev.podshim.os.ProcStat;
import dev.podshim.os.Spawn;
import dev.podshim.store.UserNamespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts pause processes. pause forks the long-lived process and exits; its pid arrives on
 * pause's stdout. The daemon, a child subreaper, inherits the long-lived process.
 */
public final class PauseLauncher {

  private static final Logger log = LoggerFactory.getLogger(PauseLauncher.class);

  private static final String RESOURCE = "/native/pause";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final int EXIT_SYSCTL = 3;
  private static final String STDERR_PREFIX = "pause: ";

  private final Path pauseBinary;

  public PauseLauncher(Path pauseBinary) {
    this.pauseBinary = requireNonNull(pauseBinary, "pauseBinary");
  }

  /**
   * Starts a pause process for {@code spec} and returns it once its namespaces are set up. A
   * sysctl pause cannot set is INVALID_ARGUMENT, any other failure INTERNAL; either way no
   * process is left behind.
   */
  public PauseProcess launch(PauseSpec spec) {
    requireNonNull(spec, "spec");
    List<String> command = command(spec);
    log.debug("start pause: {}", command);
    Spawn.Result result;
    try {
      // Lives as long as the pod: Spawn keeps the daemon's environment and fds out of it. A
      // pause that hangs is killed, so that nothing is left behind.
      result = Spawn.run(command, START_TIMEOUT);
    } catch (OsException e) {
      if (e.errno() == OsException.ETIMEDOUT) {
        throw CriException.internal(
            "start pause: no answer within " + START_TIMEOUT.toSeconds() + "s, killed", e);
      }
      throw CriException.internal("start pause: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw CriException.internal("start pause: " + e.getMessage(), e);
    }
    int status = result.exitStatus();
    if (status != 0) {
      String reason = stderrLine(result.stderr(), status);
      if (status == EXIT_SYSCTL) {
        throw new CriException(Kind.INVALID_ARGUMENT, reason);
      }
      throw CriException.internal("start pause: " + reason, null);
    }
    long pid = readPid(result.stdout());
    OptionalLong startTime = ProcStat.startTime(pid);
    if (startTime.isEmpty()) {
      throw CriException.internal("start pause: process " + pid + " exited at once", null);
    }
    return new PauseProcess(pid, startTime.getAsLong());
  }

  /**
   * Copies the pause binary bundled in the jar to {@code <stateRoot>/bin/pause-<sha256 prefix>}
   * unless it is there already, and returns its path. The name follows the content, so a new
   * daemon version never overwrites the binary that running pods were started from.
   */
  public static Path installBinary(Path stateRoot) {
    requireNonNull(stateRoot, "stateRoot");
    // the build ships the binary's digest beside it: no read and hash of the binary at each start
    String digest = bundledDigest();
    byte @org.jspecify.annotations.Nullable [] binary = null;
    if (digest == null) {
      binary = bundledBinary();
      digest = HexFormat.of().formatHex(sha256(binary)).substring(0, 12);
    }
    Path dir = stateRoot.resolve("bin");
    Path target = dir.resolve("pause-" + digest);
    if (Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
      return target;
    }
    if (binary == null) {
      binary = bundledBinary();
    }
    Path temp = null;
    try {
      Files.createDirectories(dir);
      temp = Files.createTempFile(dir, ".pause-" + digest + "-", ".tmp");
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(binary);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        out.force(true);
      }
      Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      temp = null;
      try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
        directory.force(true); // make the rename durable
      }
      return target;
    } catch (IOException e) {
      throw CriException.internal("install pause binary " + target + ": " + e.getMessage(), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          log.warn("remove {}: {}", temp, e.toString());
        }
      }
    }
  }

  private List<String> command(PauseSpec spec) {
    List<String> command = new ArrayList<>();
    command.add(pauseBinary.toString());
    UserNamespace userns = spec.userNamespace();
    if (userns != null) {
      command.add("--uid-map");
      command.add(userns.uidMapping().line());
      command.add("--gid-map");
      command.add(userns.gidMapping().line());
    }
    if (spec.newNet()) {
      command.add("--net");
    }
    if (spec.newIpc()) {
      command.add("--ipc");
    }
    if (spec.newUts()) {
      command.add("--uts");
    }
    if (spec.newPid()) {
      command.add("--pid");
    }
    String hostname = spec.hostname();
    if (hostname != null) {
      command.add("--hostname");
      command.add(hostname);
    }
    for (Map.Entry<String, String> sysctl : spec.sysctls().entrySet()) {
      String key = sysctl.getKey();
      // pause splits at the first '='; a NUL cannot be passed in an argument at all.
      if (key.isEmpty() || key.contains("=") || key.indexOf('\0') >= 0) {
        throw CriException.invalidArgument("sysctl " + key + ": invalid name");
      }
      if (sysctl.getValue().indexOf('\0') >= 0) {
        throw CriException.invalidArgument("sysctl " + key + ": invalid value");
      }
      command.add("--sysctl");
      command.add(key + "=" + sysctl.getValue());
    }
    return command;
  }

  private static String stderrLine(String stderr, int status) {
    String text = stderr.strip();
    if (text.isEmpty()) {
      return "exited with status " + status;
    }
    String line = text.lines().findFirst().orElse(text);
    return line.startsWith(STDERR_PREFIX) ? line.substring(STDERR_PREFIX.length()) : line;
  }

  private static long readPid(String stdout) {
    // Spawn returned at EOF: the long-lived process lets go of stdout only once it has started.
    @Nullable String line = stdout.lines().findFirst().orElse(null);
    try {
      long pid = Long.parseLong(line == null ? "" : line.strip());
      if (pid > 0) {
        return pid;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw CriException.internal("start pause: expected a pid, got '" + line + "'", null);
  }

  /** The first 12 hex digits of the bundled binary's SHA-256, as the build recorded it; null without a record. */
  private static @org.jspecify.annotations.Nullable String bundledDigest() {
    try (InputStream in = PauseLauncher.class.getResourceAsStream(RESOURCE + ".sha256")) {
      if (in == null) {
        return null;
      }
      String hex = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
      return hex.matches("[0-9a-f]{64}") ? hex.substring(0, 12) : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static byte[] bundledBinary() {
    try (InputStream in = PauseLauncher.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw CriException.internal(
            "install pause binary: " + RESOURCE + " is not on the classpath", null);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw CriException.internal(
          "install pause binary: read " + RESOURCE + ": " + e.getMessage(), e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
