package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program on the host with a deadline. Output goes to temporary files rather than pipes,
 * so a chatty program (mmdebstrap, scp) can never block on a pipe nobody reads.
 */
final class HostCommand {
  private HostCommand() {
  }

  static CommandResult run(List<String> command, Duration timeout) throws IOException, InterruptedException {
    return run(command, Map.of(), timeout);
  }

  static CommandResult run(List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("podshim-vm-out", ".txt");
    Path err = Files.createTempFile("podshim-vm-err", ".txt");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      builder.environment().putAll(env);
      Process process = builder.start();
      String shown = String.join(" ", command);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException("`" + shown + "` did not finish within " + timeout + "\n--- stdout\n"
            + tail(out) + "\n--- stderr\n" + tail(err));
      }
      return new CommandResult(shown, process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** The end of a log, for an error message. */
  static String tail(Path file) {
    try {
      String text = Files.readString(file);
      return text.length() <= 4000 ? text : "…" + text.substring(text.length() - 4000);
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e + ")";
    }
  }

  /** Whether {@code program} is an executable on the PATH. */
  static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
