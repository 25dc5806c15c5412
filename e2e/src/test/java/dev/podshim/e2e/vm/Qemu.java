package dev.podshim.e2e.vm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One running QEMU process, its log and its QMP socket; closing it kills it. */
final class Qemu implements AutoCloseable {
  static final String BINARY = "qemu-system-x86_64";

  private final Process process;
  private final Path log;
  private final Path console;
  private final Path qmpSocket;

  private Qemu(Process process, Path log, Path console, Path qmpSocket) {
    this.process = process;
    // a test JVM that exits (or is stopped by surefire's timeout) must not leave a VM running;
    // kill -9 of the JVM is covered by the parent-death signal QemuCommand asks for
    Thread hook = new Thread(process::destroyForcibly, "kill-qemu-" + process.pid());
    Runtime.getRuntime().addShutdownHook(hook);
    process.onExit().thenRun(() -> {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: nothing to remove
      }
    });
    this.log = log;
    this.console = console;
    this.qmpSocket = qmpSocket;
  }

  /** Starts the node's machine in {@code dir}: its log, serial console and QMP socket go there. */
  static Qemu start(VmImage image, VmRecipe recipe, Path dir, Path disk, int sshPort, List<Integer> hostPorts,
      boolean restore) throws IOException {
    requireInstalled();
    Path log = dir.resolve("qemu.log");
    Path console = dir.resolve("console.log");
    Path qmp = dir.resolve("qmp.sock");
    List<String> command = QemuCommand.of(image, recipe, disk, sshPort, hostPorts, qmp, console, restore);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
    return new Qemu(process, log, console, qmp);
  }

  static void requireInstalled() {
    if (!HostCommand.onPath(BINARY)) {
      throw new IllegalStateException(BINARY + " is not installed: the VM node needs it"
          + " (scripts/deps.sh test installs qemu-system-x86)");
    }
  }

  Qmp qmp() throws IOException, InterruptedException {
    return Qmp.connect(qmpSocket, Duration.ofSeconds(30));
  }

  boolean alive() {
    return process.isAlive();
  }

  boolean waitForExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** QEMU's own messages and the end of the guest's console, for an error message. */
  String diagnostics() {
    return "--- qemu\n" + HostCommand.tail(log) + "\n--- guest console\n" + HostCommand.tail(console);
  }

  /** A port on the host's loopback that nothing listens on just now. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    // setpriv and nice exec qemu, so this is qemu itself
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }
}
