#!/usr/bin/env bash
# Installs the Debian packages podshim needs that are missing. usage: deps.sh run|test
set -euo pipefail
run_pkgs="runc conmon crun containernetworking-plugins iproute2 iptables util-linux gcc libc6-dev"
# systemd: systemd-analyze verify of the unit; prometheus: promtool for the chart's alert rules
# (on a host that runs systemd, Debian enables and starts its Prometheus server too:
# `systemctl disable --now prometheus` if you want only promtool);
# the VM node of e2e (dev.podshim.e2e.vm): qemu (software emulation), mmdebstrap for its Debian 13
# root filesystem, mkfs.ext4 -d, ssh/scp to drive it, socat to let it reach chosen loopback ports
vm_pkgs="qemu-system-x86 qemu-utils mmdebstrap debian-archive-keyring e2fsprogs openssh-client socat"
test_pkgs="$run_pkgs docker-registry skopeo umoci busybox-static python3 curl systemd prometheus $vm_pkgs"
case "${1:-run}" in
  run) want=$run_pkgs ;;
  test) want=$test_pkgs ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
# one dpkg-query for all of them (every start of scripts/run.sh checks these); it fails when one
# is unknown to dpkg, which is what the loop below finds out
# shellcheck disable=SC2086
installed=" $(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $want 2>/dev/null | sed -n 's/^installed //p' | tr '\n' ' ' || true) "
missing=()
for p in $want; do
  case "$installed" in *" $p "*) ;; *) missing+=("$p") ;; esac
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "podshim: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "podshim: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
