package dev.podshim.e2e.vm;

import java.nio.file.Path;

/**
 * A built VM image in its cache directory: the root filesystem as a raw ext4 disk (read-only from
 * here on; every boot writes to a qcow2 overlay of it), the kernel and initrd from its /boot, the
 * ssh key root logs in with, and the guest's host key for a strict known_hosts.
 */
public record VmImage(Path dir) {
  /** The name ssh checks the guest's host key under, whatever port the VM is forwarded to. */
  static final String HOST_KEY_ALIAS = "podshim-vm";

  Path disk() {
    return dir.resolve("disk.raw");
  }

  Path kernel() {
    return dir.resolve("vmlinuz");
  }

  Path initrd() {
    return dir.resolve("initrd.img");
  }

  Path sshKey() {
    return dir.resolve("id_ed25519");
  }

  Path knownHosts() {
    return dir.resolve("known_hosts");
  }
}
