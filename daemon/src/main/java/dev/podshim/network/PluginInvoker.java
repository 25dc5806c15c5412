package dev.podshim.network;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.podshim.errors.CriException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Runs one CNI plugin binary the way the spec says: parameters in {@code CNI_*} environment
 * variables, the request configuration on stdin, the result (or an error object) on stdout.
 * No shell is involved. A plugin that outlives the timeout is killed with its children.
 */
final class PluginInvoker {
  private static final int MAX_STDERR_CHARS = 2000;

  /** The attachment parameters every plugin of one operation receives. */
  record Params(String containerId, String netns, String ifName, String args) {}

  private final List<Path> binDirs;
  private final Duration timeout;

  PluginInvoker(List<Path> binDirs, Duration timeout) {
    this.binDirs = List.copyOf(binDirs);
    this.timeout = requireNonNull(timeout, "timeout");
  }

  /** The search path, as CNI_PATH spells it. */
  String path() {
    return binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
  }

  Optional<Path> find(String type) {
    for (Path dir : binDirs) {
      Path candidate = dir.resolve(type);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Runs plugin {@code type} with {@code command} and returns its stdout.
   *
   * @throws CriException INTERNAL when the plugin is missing or fails, DEADLINE_EXCEEDED when it
   *     ran out of time
   */
  String invoke(String type, String command, Params params, byte[] stdin) {
    Path binary = find(type).orElseThrow(() -> CriException.internal(
        "cni plugin " + type + " not found in " + path(), null));
    ProcessBuilder builder = new ProcessBuilder(binary.toString()).directory(Path.of("/").toFile());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("CNI_"));
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", params.containerId());
    env.put("CNI_NETNS", params.netns());
    env.put("CNI_IFNAME", params.ifName());
    env.put("CNI_ARGS", params.args());
    env.put("CNI_PATH", path());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw CriException.internal("cni plugin " + type + " " + command + ": cannot run " + binary + ": " + e.getMessage(), e);
    }
    CompletableFuture<byte[]> stdout = readAsync(process.getInputStream());
    CompletableFuture<byte[]> stderr = readAsync(process.getErrorStream());
    // Written on its own thread too: a plugin that neither reads stdin nor exits must still time out.
    Thread.ofVirtual().name("cni-plugin-input").start(() -> {
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      } catch (IOException e) {
        // The plugin exited or closed stdin early; its exit status and output tell why.
      }
    });
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new CriException(CriException.Kind.DEADLINE_EXCEEDED, "cni plugin " + type + " " + command
            + " timed out after " + timeout.toSeconds() + "s and was killed" + stderrSuffix(stderr));
      }
      String out = text(stdout);
      if (process.exitValue() != 0) {
        throw CriException.internal(failure(type, command, process.exitValue(), out, text(stderr)), null);
      }
      return out;
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw CriException.internal("cni plugin " + type + " " + command + ": interrupted; plugin killed", e);
    }
  }

  /** The spec's error object rendered as {@code cni plugin T CMD failed (code N): msg: details}. */
  static String failure(String type, String command, int exitStatus, String stdout, String stderr) {
    StringBuilder message = new StringBuilder("cni plugin ").append(type).append(' ').append(command).append(" failed");
    @Nullable JsonNode error = null;
    try {
      error = Json.object(stdout, "error");
    } catch (IllegalArgumentException notJson) {
      // not the spec's error object; fall back to the raw output below
    }
    if (error != null && error.has("code")) {
      message.append(" (code ").append(error.path("code").asText()).append("): ").append(error.path("msg").asText());
      String details = error.path("details").asText("");
      if (!details.isEmpty()) {
        message.append(": ").append(details);
      }
    } else {
      message.append(" (exit status ").append(exitStatus).append(')');
      if (!stdout.isBlank()) {
        message.append(": ").append(clip(stdout.strip()));
      }
    }
    if (!stderr.isBlank()) {
      message.append("; stderr: ").append(clip(stderr.strip()));
    }
    return message.toString();
  }

  // Children first: a plugin's child holding our stdout pipe would keep the reader blocked.
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static CompletableFuture<byte[]> readAsync(InputStream stream) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread.ofVirtual().name("cni-plugin-output").start(() -> {
      try (stream) {
        result.complete(stream.readAllBytes());
      } catch (IOException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  // Output of an exited plugin; a grandchild it left behind may still hold the pipe, so wait briefly.
  private static String text(CompletableFuture<byte[]> output) {
    try {
      return new String(output.get(2, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    } catch (ExecutionException | TimeoutException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static String stderrSuffix(CompletableFuture<byte[]> stderr) {
    String text = text(stderr);
    return text.isBlank() ? "" : "; stderr: " + clip(text.strip());
  }

  private static String clip(String s) {
    return s.length() <= MAX_STDERR_CHARS ? s : s.substring(0, MAX_STDERR_CHARS) + "…";
  }
}
