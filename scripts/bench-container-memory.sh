#!/usr/bin/env bash
# Memory of the per-container (or per-pod) monitor processes a CRI runtime keeps, measured with
# crictl against a running endpoint: PODS pods with CTRS running containers each, then the RSS
# and PSS (from /proc/PID/smaps_rollup) of every process whose name is MONITOR: conmon for
# podshim and CRI-O, containerd-shim-runc-v2 for containerd. Pods are removed afterwards.
# usage: scripts/bench-container-memory.sh ENDPOINT MONITOR [PODS] [CTRS] [IMAGE]
# e.g.   scripts/bench-container-memory.sh unix:///run/podshim/podshim.sock conmon 5 4
set -euo pipefail
EP=$1; MONITOR=$2; PODS=${3:-5}; CTRS=${4:-1}
IMAGE=${5:-registry.k8s.io/e2e-test-images/busybox:1.29-2}
export CONTAINER_RUNTIME_ENDPOINT=$EP IMAGE_SERVICE_ENDPOINT=$EP
command -v crictl >/dev/null || { echo "crictl (cri-tools) is not on PATH" >&2; exit 2; }
crictl pull "$IMAGE" >/dev/null 2>&1
work=$(mktemp -d /tmp/ctrmem.XXXX)
pods=(); ids=()
for p in $(seq "$PODS"); do
  printf '{"metadata":{"name":"mem-%s","namespace":"bench","uid":"mem-%s-%s","attempt":0},"log_directory":"%s/%s","linux":{}}' \
    "$p" "$p" "$$" "$work" "$p" > "$work/pod-$p.json"
  pod=$(crictl runp "$work/pod-$p.json" 2>/dev/null); pods+=("$pod")
  for c in $(seq "$CTRS"); do
    printf '{"metadata":{"name":"c%s"},"image":{"image":"%s"},"command":["sleep","3600"],"log_path":"c%s.log","linux":{}}' \
      "$c" "$IMAGE" "$c" > "$work/ctr-$c.json"
    id=$(crictl create "$pod" "$work/ctr-$c.json" "$work/pod-$p.json" 2>/dev/null)
    crictl start "$id" >/dev/null 2>&1; ids+=("$id")
  done
done
sleep 2
# this run's monitors only: their command line names one of its pods or containers
mine() {
  local cmd; cmd=$( { tr '\0' ' ' < "/proc/$1/cmdline"; } 2>/dev/null) || return 1
  case "$cmd" in *"$MONITOR"*) ;; *) return 1 ;; esac
  for x in "${pods[@]}" "${ids[@]}"; do case "$cmd" in *"$x"*) return 0 ;; esac; done
  return 1
}
rss=(); pss=()
for pid in $(ls /proc | grep -E '^[0-9]+$'); do
  mine "$pid" || continue
  r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
  s=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || true)
  [ -n "$r" ] && rss+=("$r") && pss+=("$s")
done
n=${#rss[@]}
sum() { local t=0; for v in "$@"; do t=$((t + v)); done; echo "$t"; }
tr=$(sum "${rss[@]}"); tp=$(sum "${pss[@]}")
echo "$MONITOR: $PODS pods x $CTRS containers: $n processes, RSS total $((tr / 1024)) MiB," \
  "PSS total $((tp / 1024)) MiB; per pod RSS $((tr / PODS)) KiB PSS $((tp / PODS)) KiB;" \
  "per process RSS $((tr / (n > 0 ? n : 1))) KiB PSS $((tp / (n > 0 ? n : 1))) KiB"
for pod in "${pods[@]}"; do crictl rmp -f "$pod" >/dev/null 2>&1 || true; done
rm -rf "$work"
