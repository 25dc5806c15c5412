package dev.podshim.e2e.vm;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line of a node. A restore must present the very machine that was saved (same
 * machine type, CPU, memory, devices), so the cold boot and every restore use this one builder and
 * differ only in the disk, the ports and {@code -loadvm}.
 */
final class QemuCommand {
  /** The snapshot name inside the saved qcow2. */
  static final String SNAPSHOT = "booted";
  /** Where the guest finds the host's forwarded loopback ports (QEMU's own address is 10.0.2.1). */
  static final String HOST_ADDRESS = "10.0.2.2";

  private QemuCommand() {
  }

  /**
   * SIGKILL when the thread that started it dies, kill -9 of the test JVM included (the JVM's
   * shutdown hook covers only an orderly exit); setpriv and nice exec qemu, which keeps the setting.
   */
  static final List<String> DIES_WITH_PARENT = List.of("setpriv", "--pdeathsig", "KILL");

  /**
   * @param disk the qcow2 the guest writes to
   * @param sshPort the host's 127.0.0.1 port forwarded to the guest's ssh
   * @param hostPorts host loopback ports the guest may reach at {@link #HOST_ADDRESS}
   * @param restore start from the saved snapshot instead of booting
   */
  static List<String> of(VmImage image, VmRecipe recipe, Path disk, int sshPort, List<Integer> hostPorts,
      Path qmpSocket, Path console, boolean restore) {
    List<String> cmd = new ArrayList<>(DIES_WITH_PARENT);
    cmd.addAll(List.of("nice", "-n", "10", "qemu-system-x86_64",
        "-nodefaults", "-no-user-config", "-machine", "q35",
        // software emulation only: this machine's /dev/kvm is a PVM hypervisor that stock kernels crash on
        "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", Integer.toString(recipe.cpus()),
        "-m", Integer.toString(recipe.memoryMib()), "-display", "none", "-serial", "file:" + console,
        "-kernel", image.kernel().toString(), "-initrd", image.initrd().toString(),
        "-append", String.join(" ", recipe.kernelArgs()),
        // the disk is thrown away after the test: no flush is worth waiting for
        "-drive", "file=" + disk + ",if=none,id=root,format=qcow2,cache=unsafe", "-device", "virtio-blk-pci,drive=root",
        "-netdev", userNetwork(sshPort, hostPorts), "-device", "virtio-net-pci,netdev=net0",
        "-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-pci,rng=rng0",
        "-qmp", "unix:" + qmpSocket + ",server=on,wait=off"));
    if (restore) {
      cmd.addAll(List.of("-loadvm", SNAPSHOT));
    }
    return List.copyOf(cmd);
  }

  /**
   * QEMU's user network with {@code restrict=on}: the guest reaches neither the host nor the outside
   * world, except through the rules given here: ssh from the host's loopback in, and to each chosen
   * host loopback port out, one socat per connection. Traffic stays between the host's loopback and
   * the VM.
   */
  private static String userNetwork(int sshPort, List<Integer> hostPorts) {
    StringBuilder netdev = new StringBuilder("user,id=net0,net=10.0.2.0/24,host=10.0.2.1,restrict=on")
        .append(",hostfwd=tcp:127.0.0.1:").append(sshPort).append("-:22");
    for (int port : hostPorts) {
      netdev.append(",guestfwd=tcp:").append(HOST_ADDRESS).append(':').append(port)
          .append("-cmd:socat - TCP:127.0.0.1:").append(port);
    }
    return netdev.toString();
  }
}
