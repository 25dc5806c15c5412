package dev.podshim.network;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host tools for the tests (no shell), and insists that what they need is installed. */
final class Host {
  /** The Debian package behind each tool the integration tests use. */
  private static final List<List<String>> TOOLS = List.of(
      List.of("/usr/lib/cni/bridge", "containernetworking-plugins"),
      List.of("/usr/lib/cni/host-local", "containernetworking-plugins"),
      List.of("/usr/lib/cni/portmap", "containernetworking-plugins"),
      List.of("/usr/sbin/iptables-save", "iptables"),
      List.of("/usr/sbin/iptables-restore", "iptables"),
      List.of("/usr/bin/nsenter", "util-linux"),
      List.of("/usr/bin/busybox", "busybox"));

  record Result(int status, String out, String err) {}

  private Host() {}

  /** Fails the test, naming the package to install, when not root or a tool is missing. */
  static void requireRootAndTools() {
    if (!"root".equals(System.getProperty("user.name"))) {
      fail("these tests create network namespaces and bridges and must run as root");
    }
    for (List<String> tool : TOOLS) {
      if (!Files.isExecutable(Path.of(tool.get(0)))) {
        fail(tool.get(0) + " is missing: install the Debian package " + tool.get(1));
      }
    }
    if (run("ip", "-V").status() != 0) {
      fail("ip is missing: install the Debian package iproute2");
    }
  }

  static Result run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      byte[] err = p.getErrorStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", argv) + " hung");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", argv) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs and fails the test on a non-zero exit, returning stdout. */
  static String ok(String... argv) {
    Result r = run(argv);
    if (r.status() != 0) {
      fail(String.join(" ", argv) + " exited " + r.status() + ": " + r.err() + r.out());
    }
    return r.out();
  }

  /**
   * Whether process {@code pid} is gone or a zombie within {@code wait}. A killed plugin's child
   * is reparented to PID 1, which may reap it late; a zombie runs nothing.
   */
  static boolean exitedWithin(long pid, java.time.Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    do {
      String stat;
      try {
        stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      } catch (IOException e) {
        return true;
      }
      if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
        return true;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    return false;
  }

  static Process start(String... argv) {
    try {
      return new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      throw new AssertionError("cannot start " + String.join(" ", argv), e);
    }
  }
}
