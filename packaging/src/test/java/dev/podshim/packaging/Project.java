package dev.podshim.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The source tree the tests read, and a way to run a command and keep what it printed. */
final class Project {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  private Project() {
  }

  static Path file(String relative) {
    return ROOT.resolve(relative);
  }

  /** A finished command: its exit code and everything it printed (stdout and stderr together). */
  record Run(int code, String output) {}

  static Run run(List<String> command) throws IOException, InterruptedException {
    return run(command, Map.of());
  }

  static Run run(List<String> command, Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p;
    try {
      p = builder.start();
    } catch (IOException e) {
      throw new IOException(command.getFirst() + " is not installed (scripts/deps.sh test installs it): " + e, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " did not finish in 120 s: " + out);
    }
    return new Run(p.exitValue(), out);
  }
}
