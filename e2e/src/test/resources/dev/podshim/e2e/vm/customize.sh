#!/bin/sh
# mmdebstrap customize hook ($1 = the root filesystem, all packages installed): makes the tree a
# node that the tests drive over ssh as root, with a fixed address on QEMU's user network and
# nothing that wakes up by itself during a test.
set -eu
root=$1
echo podshim-vm > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 podshim-vm\n' > "$root/etc/hosts"
printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' > "$root/etc/fstab"

# root logs in with the cache's key only
install -d -m 700 "$root/root/.ssh"
install -m 600 "$PODSHIM_VM_AUTHORIZED_KEY" "$root/root/.ssh/authorized_keys"
cat > "$root/etc/ssh/sshd_config.d/podshim-vm.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication no
UseDNS no
CONF

# QEMU's user network, restricted: the guest is 10.0.2.15 and reaches nothing but the host's
# loopback ports that a test forwards to 10.0.2.2 (QEMU's own address is 10.0.2.1). No gateway:
# any other address is unreachable. Static, so a restored VM needs no DHCP round.
mkdir -p "$root/etc/systemd/network"
cat > "$root/etc/systemd/network/10-qemu.network" <<'CONF'
[Match]
Name=en* eth*

[Network]
Address=10.0.2.15/24
CONF
chroot "$root" systemctl enable systemd-networkd.service

# timers that would start apt, man-db or fstrim in the middle of a test
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
  e2scrub_all.timer fstrim.timer man-db.timer systemd-tmpfiles-clean.timer 2>/dev/null || true
