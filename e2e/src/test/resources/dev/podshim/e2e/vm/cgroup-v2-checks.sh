#!/bin/bash
# Runs in the VM, against the packaged podshimd: one pod with a limited container, an OOM-killed
# container, an update, stats; prints what it saw as "key=value" lines (multi-line outputs as
# "key: line") for CgroupV2OnModernNodeTest to check. Usage: cgroup-v2-checks.sh DRIVER POD_UID IMAGE [BENCH_ROUNDS]
set -u
driver=$1 uid=$2 image=$3 rounds=${4:-0}
C="crictl --timeout 120s"
echo "runtime-endpoint: unix:///run/podshim/podshim.sock" > /etc/crictl.yaml
cd "$(mktemp -d)"

say() { echo "$1=$2"; }
block() { sed "s/^/$1: /"; }
fail() { echo "FAILED: $*"; journalctl -u podshim --no-pager -o cat | tail -n 40 | block journal; exit 1; }

if [ "$driver" = systemd ]; then
  # the cgroup_parent kubelet sends for a burstable pod: its slice (the uid with '-' turned into
  # '_') expanded into the path systemd nests it at
  slice="kubepods-burstable-pod${uid//-/_}.slice"
  parent="/kubepods.slice/kubepods-burstable.slice/$slice"
  poddir="/sys/fs/cgroup$parent"
else
  parent="/kubepods/burstable/pod$uid"
  poddir="/sys/fs/cgroup$parent"
fi
# the cgroup the container's process is in, whose limits bind it: the scope or directory itself,
# except crun under systemd, which runs it in a "container" cgroup of its own below its scope
leaf() { echo "/sys/fs/cgroup$(cut -d: -f3 "/proc/$($C inspect -o go-template --template '{{.info.pid}}' "$1")/cgroup")"; }
ctrdir() { if [ "$driver" = systemd ]; then echo "$poddir/podshim-$1.scope"; else echo "$poddir/$1"; fi; }

pod_config() { # name uid
  echo "{\"metadata\":{\"name\":\"$1\",\"namespace\":\"default\",\"uid\":\"$2\",\"attempt\":0},"\
"\"log_directory\":\"/var/log/pods/$1\",\"linux\":{\"cgroup_parent\":\"$parent\"}}" > "pod-$1.json"
}
create() { # pod-id pod-name container-name resources command
  echo "{\"metadata\":{\"name\":\"$3\"},\"image\":{\"image\":\"$image\"},\"command\":$5,\"log_path\":\"$3.log\","\
"\"linux\":{\"resources\":$4}}" > "ctr-$3.json"
  $C create "$1" "ctr-$3.json" "pod-$2.json"
}
files() { # prefix dir
  for f in cpu.max cpu.weight memory.max memory.swap.max memory.high pids.max hugetlb.2MB.max memory.current; do
    say "$1.$f" "$(cat "$2/$f" 2>&1 | head -n 1)"
  done
}

$C pull "$image" >/dev/null || fail "pull $image"
say runtime-config "$($C runtime-config 2>&1 | tr -d '\n ')"
say status "$($C info | tr -d '\n ' | grep -o '"cgroupDriver":"[A-Za-z]*"\|"defaultRuntime":"[a-z]*"' | tr '\n' ' ')"
pod_config "cg-$driver" "$uid"
pod=$($C runp "pod-cg-$driver.json") || fail runp
say pod "$pod"
say pause.cgroup "$(cat /proc/$($C inspectp -o go-template --template '{{.info.pid}}' "$pod")/cgroup)"

limits='{"cpu_period":100000,"cpu_quota":50000,"cpu_shares":512,"memory_limit_in_bytes":67108864,'\
'"memory_swap_limit_in_bytes":100663296,"hugepage_limits":[{"page_size":"2MB","limit":4194304}],'\
'"unified":{"memory.high":"50331648","pids.max":"64"}}'
lim=$(create "$pod" "cg-$driver" limited "$limits" '["sleep","3600"]') || fail "create limited"
$C start "$lim" >/dev/null || fail "start limited"
say limited "$lim"
say limited.dir "$(ctrdir "$lim")"
limleaf=$(leaf "$lim")
say limited.leaf "$limleaf"
files limited "$limleaf"
say limited.spec "$(tr -d '\n ' < "/var/lib/podshim/containers/$lim/bundle/config.json" | grep -o '"resources":{[^}]*}[^}]*}')"
say controllers "$(cat /sys/fs/cgroup/cgroup.controllers) / $(cat "$poddir/cgroup.subtree_control")"
say limited.handler "$($C inspect -o go-template --template '{{.info.runtimeHandler}}' "$lim")"
if [ "$driver" = systemd ]; then
  systemctl show -p ActiveState,Slice,ControlGroup "podshim-$lim.scope" | block scope.limited
  systemctl show -p ActiveState,Slice,ControlGroup "podshim-$pod.scope" | block scope.pause
  systemd-cgls --no-pager "${poddir#/sys/fs/cgroup}" 2>&1 | block cgls
fi

# stats against the files, read on both sides of the call: an idle sleep barely moves
dir=$(ctrdir "$lim")
say limited.before "$(grep usage_usec "$dir/cpu.stat" | cut -d' ' -f2) $(cat "$dir/memory.current")"
say stats.limited "$($C stats -o json "$lim" | tr -d '\n ')"
say limited.after "$(grep usage_usec "$dir/cpu.stat" | cut -d' ' -f2) $(cat "$dir/memory.current")"
say pod.before "$(cat "$poddir/memory.current")"
say stats.pod "$($C statsp -o json --id "$pod" | tr -d '\n ')"
say pod.after "$(cat "$poddir/memory.current")"

$C update --memory 83886080 --cpu-quota 30000 --cpu-share 1024 "$lim" >/dev/null || fail update
files updated "$limleaf"

# OOM: a shell doubling a string under a 16 MiB limit
oom=$(create "$pod" "cg-$driver" oom '{"memory_limit_in_bytes":16777216}' \
  '["sh","-c","s=0123456789abcdef; while true; do s=$s$s; done"]') || fail "create oom"
$C start "$oom" >/dev/null || fail "start oom"
for _ in $(seq 90); do
  state=$($C inspect -o go-template --template '{{.status.state}}' "$oom")
  [ "$state" = CONTAINER_EXITED ] && break
  sleep 2
done
say oom.state "$state"
say oom.reason "$($C inspect -o go-template --template '{{.status.reason}}' "$oom")"
say oom.exitCode "$($C inspect -o go-template --template '{{.status.exitCode}}' "$oom")"
# the pod's memory.events counts its containers' kills too: what podshim falls back on when the
# kernel's notice of the kill was lost with the container's scope
say pod.oom_kill "$(sed -n 's/^oom_kill //p' "$poddir/memory.events")"
say oom.fromPod "$(journalctl -u podshim --no-pager -o cat | grep -c "OOM kill taken from the pod's" || true)"

# crun is the default handler; runc stays selectable
sed "s/\"name\":\"cg-$driver\"/\"name\":\"cg-$driver-runc\"/; s/\"uid\":\"$uid\"/\"uid\":\"$uid-runc\"/" \
  "pod-cg-$driver.json" > "pod-cg-$driver-runc.json"
runcpod=$($C runp --runtime runc "pod-cg-$driver-runc.json") || fail "runp --runtime runc"
runcctr=$(create "$runcpod" "cg-$driver-runc" plain '{}' '["sleep","3600"]') || fail "create in the runc pod"
$C start "$runcctr" >/dev/null || fail "start in the runc pod"
runclim=$(create "$runcpod" "cg-$driver-runc" limited "$limits" '["sleep","3600"]') || fail "create limited in the runc pod"
$C start "$runclim" >/dev/null || fail "start limited in the runc pod"
say runclimited.leaf "$(leaf "$runclim")"
files runclimited "$(leaf "$runclim")"
say runc.handler "$($C inspect -o go-template --template '{{.info.runtimeHandler}}' "$runcctr")"
say crun.list "$(crun --root /var/lib/podshim/runtimes/crun list -q | tr '\n' ' ')"
say runc.list "$(runc --root /var/lib/podshim/runtimes/runc list -q | tr '\n' ' ')"

# Create+Start, crun and runc in turn; the daemon's own durations come from its log
for i in $(seq "$rounds"); do
  for h in crun runc; do
    p=$pod; [ $h = runc ] && p=$runcpod
    n="cg-$driver"; [ $h = runc ] && n="cg-$driver-runc"
    t0=$(date +%s%N)
    id=$(create "$p" "$n" "bench-$h-$i" '{}' '["sleep","3600"]') || fail "bench create $h"
    $C start "$id" >/dev/null || fail "bench start $h"
    say "bench.$h" "$id $(( ($(date +%s%N) - t0) / 1000000 ))"
  done
done
journalctl -u podshim --no-pager -o cat | grep -E 'rpc="?(CreateContainer|StartContainer)"? ' | block rpclog

if [ "$driver" = systemd ]; then
  # a restart leaves the pod's scopes to systemd: pause and the container keep running, recovered
  systemctl restart podshim || fail "restart"
  say restart.pod "$($C inspectp -o go-template --template '{{.status.state}}' "$pod")"
  say restart.limited "$($C inspect -o go-template --template '{{.status.state}}' "$lim")"
  say restart.scopes "$(systemctl is-active "podshim-$pod.scope" "podshim-$lim.scope" | tr '\n' ' ')"
fi
for p in "$pod" "$runcpod"; do
  $C stopp "$p" >/dev/null && $C rmp "$p" >/dev/null || fail "remove pod $p"
done
sleep 1
say after.pause.scope "$(systemctl show -p LoadState,ActiveState "podshim-$pod.scope" | tr '\n' ' ')"
say after.limited.dir "$(test -e "$(ctrdir "$lim")" && echo present || echo gone)"
echo DONE
