package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A Debian 13 node in a QEMU VM, driven over ssh as root: a test gets a fresh one restored from the
 * saved state (ssh answers in seconds), changes what it likes, and closing it throws the VM and its
 * disk away. The guest runs about ten times slower than this host: batch checks into few commands
 * and give each a generous timeout.
 */
public final class VmNode implements AutoCloseable {
  /** The exit code ssh gives for its own errors, a lost connection among them. */
  private static final int SSH_FAILED = 255;

  /** The host's loopback ports passed to {@link #restore(SavedVm, List)} answer here in the guest. */
  public static final String HOST_ADDRESS = QemuCommand.HOST_ADDRESS;

  private final Path workDir;
  private final Qemu qemu;
  private final Ssh ssh;

  private VmNode(Path workDir, Qemu qemu, Ssh ssh) {
    this.workDir = workDir;
    this.qemu = qemu;
    this.ssh = ssh;
  }

  /** A fresh node from {@code saved}; {@code hostPorts} are host loopback ports it may reach at {@link #HOST_ADDRESS}. */
  public static VmNode restore(SavedVm saved, List<Integer> hostPorts) throws Exception {
    long start = System.nanoTime();
    Path workDir = Files.createTempDirectory("podshim-vm-");
    Path disk = workDir.resolve("disk.qcow2");
    try {
      // a copy, not an overlay: -loadvm finds the snapshot only in the top image
      Files.copy(saved.qcow2(), disk);
    } catch (IOException e) {
      VmCache.delete(workDir);
      throw e;
    }
    VmNode node = start(saved.image(), saved.recipe(), workDir, disk, hostPorts, true, Duration.ofMinutes(2));
    VmTimings.report("restore to ssh", start);
    return node;
  }

  /** Boots {@code disk} from scratch (to save it); the disk stays where it is when the node closes. */
  static VmNode boot(VmImage image, VmRecipe recipe, Path disk, Duration timeout) throws Exception {
    return start(image, recipe, Files.createTempDirectory("podshim-vm-"), disk, List.of(), false, timeout);
  }

  private static VmNode start(VmImage image, VmRecipe recipe, Path workDir, Path disk, List<Integer> hostPorts,
      boolean restore, Duration timeout) throws Exception {
    int sshPort = Qemu.freePort();
    Qemu qemu = Qemu.start(image, recipe, workDir, disk, sshPort, hostPorts, restore);
    VmNode node = new VmNode(workDir, qemu, new Ssh(image, sshPort, workDir.resolve("ssh.sock")));
    try {
      node.awaitSsh(timeout);
      return node;
    } catch (Exception | Error e) {
      node.close();
      throw e;
    }
  }

  /**
   * Polls until sshd answers, and sets the guest's clock on the way: a restored guest wakes up at
   * the time it was saved.
   */
  private void awaitSsh(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    CommandResult last = null;
    while (System.nanoTime() < deadline) {
      if (!qemu.alive()) {
        throw new IllegalStateException("QEMU exited before the guest answered ssh\n" + diagnostics());
      }
      Instant now = Instant.now();
      last = ssh.run("date -u -s @" + now.getEpochSecond() + "." + String.format("%09d", now.getNano())
          + " >/dev/null", Duration.ofSeconds(20));
      if (last.ok()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the guest did not answer ssh within " + timeout + ": " + last + "\n" + diagnostics());
  }

  /** Runs {@code command} with root's shell in the guest. */
  public CommandResult run(String command, Duration timeout) throws IOException, InterruptedException {
    CommandResult result = ssh.run(command, timeout);
    if (result.exitCode() == SSH_FAILED) {
      // ssh's own failure, not the command's: what became of the machine (a CI run lost the guest
      // once mid-command, with nothing to say why)
      return new CommandResult(command, result.exitCode(), result.stdout(), result.stderr()
          + "\nssh lost the guest; QEMU " + (qemu.alive() ? "still runs" : "has exited") + "\n" + diagnostics());
    }
    return result;
  }


  /** Copies a host file into the guest (scp). */
  public void copyIn(Path local, String remote) throws IOException, InterruptedException {
    ssh.copy(local, remote, Duration.ofMinutes(5));
  }

  /** QEMU's log and the guest's serial console, for a failure message. */
  public String diagnostics() {
    return qemu.diagnostics();
  }

  Path console() {
    return workDir.resolve("console.log");
  }

  /** Saves the running machine into its disk as {@link QemuCommand#SNAPSHOT}, then ends QEMU. */
  void saveAndQuit() throws Exception {
    ssh.close();
    try (Qmp qmp = qemu.qmp()) {
      String said = qmp.human("savevm " + QemuCommand.SNAPSHOT);
      if (!said.isBlank()) {
        throw new IllegalStateException("savevm: " + said);
      }
      qmp.execute("quit", null);
    }
    if (!qemu.waitForExit(Duration.ofMinutes(1))) {
      throw new IllegalStateException("QEMU did not quit after savevm\n" + diagnostics());
    }
  }

  @Override
  public void close() throws Exception {
    try {
      if (qemu.alive()) {
        ssh.close();
      }
    } finally {
      qemu.close();
      VmCache.delete(workDir);
    }
  }
}
