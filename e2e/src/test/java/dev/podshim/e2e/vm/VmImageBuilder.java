package dev.podshim.e2e.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Makes a {@link VmImage} from a {@link VmRecipe}: mmdebstrap builds the root filesystem from
 * Debian's archive (the only network the build needs), {@code mkfs.ext4 -d} turns it into a disk,
 * and the kernel and initrd are taken from its /boot so QEMU boots it directly, with no boot loader.
 */
final class VmImageBuilder {
  /** Room for the package, its state and a few images; the raw file is sparse. */
  private static final String DISK_SIZE = "8G";
  private static final String KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

  private final VmRecipe recipe;

  VmImageBuilder(VmRecipe recipe) {
    this.recipe = recipe;
  }

  VmImage build(Path dir) throws Exception {
    for (String tool : List.of("mmdebstrap", "mkfs.ext4", "ssh-keygen")) {
      if (!HostCommand.onPath(tool)) {
        throw new IllegalStateException(tool + " is not installed: building the VM image needs it"
            + " (scripts/deps.sh test installs it)");
      }
    }
    VmImage image = new VmImage(dir);
    HostCommand.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "podshim-vm",
        "-f", image.sshKey().toString()), Duration.ofMinutes(1)).orThrow();
    Path rootfs = dir.resolve("rootfs");
    bootstrap(rootfs, writeHooks(dir.resolve("hooks")), image);
    copyBoot(rootfs, image);
    String hostKey = Files.readString(rootfs.resolve("etc/ssh/ssh_host_ed25519_key.pub")).strip().split("\\s+", 3)[1];
    Files.writeString(image.knownHosts(), VmImage.HOST_KEY_ALIAS + " ssh-ed25519 " + hostKey + "\n");
    HostCommand.run(List.of("mkfs.ext4", "-q", "-L", "podshim-vm", "-d", rootfs.toString(), image.disk().toString(),
        DISK_SIZE), Duration.ofMinutes(10)).orThrow();
    // the backing file of every overlay: a write to it would corrupt them all
    Files.setPosixFilePermissions(image.disk(), PosixFilePermissions.fromString("r--r--r--"));
    VmCache.delete(rootfs);
    return image;
  }

  private void bootstrap(Path rootfs, Path hooks, VmImage image) throws Exception {
    List<String> command = new ArrayList<>(List.of("nice", "-n", "10", "mmdebstrap",
        // as root, unshare mode still gives the build its own mount namespace: nothing it mounts
        // (proc, sys, dev in the chroot) is seen by the host
        "--mode=unshare", "--variant=minbase", "--keyring=" + KEYRING, "--include=" + String.join(",", recipe.packages()),
        "--setup-hook=" + hooks.resolve("setup.sh"), "--customize-hook=" + hooks.resolve("customize.sh"),
        recipe.suite(), rootfs.toString(), recipe.mirror()));
    CommandResult result = HostCommand.run(command,
        Map.of("PODSHIM_VM_AUTHORIZED_KEY", image.sshKey() + ".pub"), Duration.ofMinutes(20));
    Files.writeString(image.dir().resolve("mmdebstrap.log"), result.stderr() + result.stdout());
    result.orThrow();
  }

  private Path writeHooks(Path hooks) throws IOException {
    Files.createDirectories(hooks);
    for (Map.Entry<String, String> hook : recipe.hooks().entrySet()) {
      Path script = hooks.resolve(hook.getKey());
      Files.writeString(script, hook.getValue());
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return hooks;
  }

  /** The one kernel linux-image-amd64 installed, and the initrd its postinst built. */
  private static void copyBoot(Path rootfs, VmImage image) throws IOException {
    Files.copy(only(rootfs.resolve("boot"), "vmlinuz-"), image.kernel());
    Files.copy(only(rootfs.resolve("boot"), "initrd.img-"), image.initrd());
  }

  private static Path only(Path dir, String prefix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> found = files.filter(f -> f.getFileName().toString().startsWith(prefix)).toList();
      if (found.size() != 1) {
        throw new IllegalStateException("expected one " + prefix + "* in " + dir + ", found " + found);
      }
      return found.getFirst();
    }
  }
}
