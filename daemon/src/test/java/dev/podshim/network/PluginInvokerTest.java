package dev.podshim.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podshim.errors.CriException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invoker against small script plugins: environment, stdin, errors, timeouts. */
class PluginInvokerTest {
  @TempDir Path tmp;
  Path bin;
  Path other;
  PluginInvoker invoker;
  final PluginInvoker.Params params = new PluginInvoker.Params("c0ffee", "/run/netns/x", "eth0", "IgnoreUnknown=1;K8S_POD_NAME=p");

  @BeforeEach
  void setUp() throws IOException {
    bin = Files.createDirectories(tmp.resolve("bin"));
    other = Files.createDirectories(tmp.resolve("other"));
    invoker = new PluginInvoker(List.of(bin, other), Duration.ofSeconds(1));
  }

  private void plugin(Path dir, String type, String body) throws IOException {
    Path file = dir.resolve(type);
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void passesTheCniEnvironmentAndStdinAndReturnsStdout() throws IOException {
    plugin(other, "echo", """
        stdin=$(cat)
        printf '%s|%s|%s|%s|%s|%s|%s' "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_ARGS" "$CNI_PATH" "$stdin"
        """);

    String out = invoker.invoke("echo", "ADD", params, "{\"x\":1}".getBytes(StandardCharsets.UTF_8));

    assertThat(out).isEqualTo("ADD|c0ffee|/run/netns/x|eth0|IgnoreUnknown=1;K8S_POD_NAME=p|" + bin + ":" + other + "|{\"x\":1}");
  }

  @Test
  void theFirstDirectoryOnThePathWins() throws IOException {
    plugin(bin, "p", "echo first");
    plugin(other, "p", "echo second");

    assertThat(invoker.invoke("p", "ADD", params, new byte[0])).isEqualTo("first\n");
    assertThat(invoker.find("p")).contains(bin.resolve("p"));
    assertThat(invoker.find("missing")).isEmpty();
  }

  @Test
  void anErrorObjectBecomesAClearMessage() throws IOException {
    plugin(bin, "bridge", """
        cat > /dev/null
        echo 'details on stderr' >&2
        echo '{"cniVersion":"1.0.0","code":11,"msg":"try again","details":"ipam busy"}'
        exit 1""");

    assertThatThrownBy(() -> invoker.invoke("bridge", "ADD", params, new byte[0]))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL))
        .hasMessage("cni plugin bridge ADD failed (code 11): try again: ipam busy; stderr: details on stderr");
  }

  @Test
  void aFailureWithoutAnErrorObjectReportsExitStatusAndOutput() throws IOException {
    plugin(bin, "crash", "echo 'panic: nil map' >&2; exit 2");

    assertThatThrownBy(() -> invoker.invoke("crash", "DEL", params, new byte[0]))
        .hasMessage("cni plugin crash DEL failed (exit status 2); stderr: panic: nil map");
  }

  @Test
  void aMissingPluginNamesTheSearchPath() {
    assertThatThrownBy(() -> invoker.invoke("nope", "ADD", params, new byte[0]))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.INTERNAL))
        .hasMessage("cni plugin nope not found in " + bin + ":" + other);
  }

  @Test
  void aPluginPastTheTimeoutIsKilledWithItsChildren() throws Exception {
    Path pids = tmp.resolve("pids");
    plugin(bin, "hang", """
        sleep 1000 &
        echo "$$ $!" > %s
        wait""".formatted(pids));

    long start = System.nanoTime();
    assertThatThrownBy(() -> invoker.invoke("hang", "ADD", params, new byte[0]))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.DEADLINE_EXCEEDED))
        .hasMessage("cni plugin hang ADD timed out after 1s and was killed");
    assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);

    for (String pid : Files.readString(pids).strip().split(" ")) {
      long p = Long.parseLong(pid);
      assertThat(Host.exitedWithin(p, Duration.ofSeconds(2))).as("pid %s still running", p).isTrue();
    }
  }

  @Test
  void aPluginThatNeitherReadsStdinNorExitsStillTimesOut() throws IOException {
    plugin(bin, "stuck", "exec sleep 1000");

    assertThatThrownBy(() -> invoker.invoke("stuck", "ADD", params, new byte[1024 * 1024]))
        .isInstanceOfSatisfying(CriException.class, e -> assertThat(e.kind()).isEqualTo(CriException.Kind.DEADLINE_EXCEEDED));
  }

  @Test
  void aPluginThatIgnoresStdinStillWorks() throws IOException {
    plugin(bin, "deaf", "exec echo '{}'");

    assertThat(invoker.invoke("deaf", "ADD", params, new byte[256 * 1024])).isEqualTo("{}\n");
  }
}
