#!/usr/bin/env bash
# Pod start as kubelet measures it (issue 17): podshim and containerd 2.1.9 side by side, one after the
# other in one run, under the same kubelet (../shared/tools/kubelet, v1.36.2, standalone: static pods
# from a manifest folder, its read-only port for /pods and /metrics).
#
# For each runtime: start it (podshim through scripts/run.sh on its own socket, root and metrics port;
# containerd with ../shared/conformance/containerd2.sh), both on the harness CNI network with
# registry.k8s.io mirrored to the local registry; pull the busybox image through it (pulls are not
# measured); start kubelet on its own root dir, ports 10350/10355/10348 and cgroupRoot
# /podshim-kubelet-bench (apart from any other kubelet on the machine); start one warm-up pod; then
#   ROUNDS pods of 1 container one at a time, ROUNDS pods of 2 containers one at a time,
#   BURST pods of 1 container at once, BURST pods of 2 containers at once,
# each pod a busybox `sleep`; every pod is awaited Running and Ready in /pods (polled every 0.1 s),
# and its manifest removed and its sandbox gone from the runtime before the next round. kubelet's
# histograms are read from /metrics before each round and once its pods are Ready (deltas: count,
# mean, and p50/p90 interpolated in the buckets as Prometheus' histogram_quantile does).
# kubelet does not record kubelet_pod_start_sli_duration_seconds for static pods (its pod config
# skips them on the "observed on watch" path): the report gives its observation count, and instead,
# per pod, manifest written -> Running and Ready in /pods (the SLI's span seen from outside: creation
# to all containers started, observed) and the same from kubelet's log (SyncLoop ADD -> PLEG's last
# ContainerStarted); the wall clock to all pods of a round Ready; kubelet_pod_start_duration_seconds
# (first seen -> Running; kubelet observes each static pod twice, at its first sync and when Running,
# so the sum is divided by the pods); the pod worker's first sync
# (kubelet_pod_worker_duration_seconds{operation_type="create"}) and kubelet's CRI calls.
#
# Undoes what kubelet changes on the host: the sysctls vm.overcommit_memory, kernel.panic and
# kernel.panic_on_oops (back to what they were, unless changed again since), the bind mount of its
# root dir, its cgroups (every hierarchy under /sys/fs/cgroup), its iptables chains (KUBE-FIREWALL,
# KUBE-KUBELET-CANARY, KUBE-IPTABLES-HINT), its symlinks in /var/log/containers and the device-plugin
# socket it puts in /var/lib/kubelet whatever its root dir; the chains and /var/lib/kubelet only when
# they did not exist before and no other kubelet runs. Stops kubelet, podshimd and containerd
# (containerd only if this script started it). Starting again cleans up after an aborted run.
# Leaves the local registry running and the rest under $W (kubelet's logs, podshim's state root with
# its image store).
#
# Needs root, the Debian packages of `scripts/deps.sh test` and jq, ../shared/tools/{kubelet,crictl}
# and ../shared/conformance/ (registry, images, CNI network; containerd2.sh fetches containerd 2.1.9
# from Debian sid once). Takes about 4 minutes at the defaults on 2 cores (3.5 min measured; + ~2 min
# the first time for the images and containerd, + the podshim build when the sources changed).
# Report: daemon/target/bench/kubelet-report.md
# usage: scripts/bench-kubelet.sh [ROUNDS] [BURST]          (defaults 10 and 20)
#        RUNTIMES="podshim containerd" (default) or one of them
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-10}
BURST=${2:-20}
RUNTIMES=${RUNTIMES:-podshim containerd}
W=/tmp/podshim-kubelet-bench      # all of this benchmark's files; fixed, so a next run finds an aborted one's
CG=podshim-kubelet-bench          # kubelet's cgroupRoot
NS=kubelet-bench NODE=kubelet-bench
PORT=10350 RO=10355 HEALTHZ=10348 PODSHIM_METRICS=10349
IMAGE=registry.k8s.io/e2e-test-images/busybox:1.29-2
TOOLS=$(cd ../shared/tools && pwd) CONF=$(cd ../shared/conformance && pwd)
CD2_SOCK=/run/harness/containerd2/containerd.sock
REPORT=daemon/target/bench/kubelet-report.md
SOCK=

log() { echo "$(date +%T) $*" >&2; }
die() { log "$*"; exit 1; }
crictl() { "$TOOLS/crictl" -r "unix://$SOCK" -t 60s "$@" 2>/dev/null; }
serving() { [ -S "$SOCK" ] && "$TOOLS/crictl" -r "unix://$SOCK" -t 2s version >/dev/null 2>&1; }

# ---- processes this script started: each has $W on its command line --------------------------------
stop_pid() { # PIDFILE SECONDS: SIGTERM, then SIGKILL (kubelet 1.36 stops its volume manager on SIGTERM and hangs)
  local f=$1 p i
  [ -f "$f" ] || return 0
  p=$(cat "$f")
  if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$W"; then
    kill "$p" 2>/dev/null || true
    for i in $(seq $(($2 * 10))); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$f"
}
stop_kubelet() { stop_pid "$W/kubelet.pid" 3; }

# ---- the host, as kubelet leaves it ------------------------------------------------------------------
SYSCTLS="vm.overcommit_memory=1 kernel.panic=10 kernel.panic_on_oops=1" # as kubelet sets them
cgroup_dirs() { # kubelet's cgroupRoot in every hierarchy
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then echo "/sys/fs/cgroup/$CG"; return; fi
  local h
  for h in /sys/fs/cgroup/*/; do
    case "$(stat -f -c %T "$h")" in cgroupfs | cgroup2fs) echo "${h%/}/$CG" ;; esac
  done
}
iptables_chains() { iptables-save 2>/dev/null | grep -c '^:KUBE-KUBELET-CANARY' || true; }
before_kubelet() { # remember what kubelet will change, unless an aborted run already did (its record stands)
  mkdir -p "$W/undo"
  local kv
  [ -s "$W/undo/sysctl" ] || for kv in $SYSCTLS; do sysctl "${kv%=*}"; done >"$W/undo/sysctl"
  [ -e "$W/undo/iptables" ] || [ "$(iptables_chains)" != 0 ] || touch "$W/undo/iptables"
  [ -e "$W/undo/var-lib-kubelet" ] || [ -e /var/lib/kubelet ] || touch "$W/undo/var-lib-kubelet"
  [ -e "$W/undo/var-log-containers" ] || [ -e /var/log/containers ] || touch "$W/undo/var-log-containers"
  local d
  for d in $(cgroup_dirs); do mkdir -p "$d"; done
}
undo_host() {
  local m d ipt t c left=()
  while m=$(findmnt -rn -o TARGET | grep -E "^$W/kubelet(/|$)" | sort -r | head -1) && [ -n "$m" ]; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  if [ -s "$W/undo/sysctl" ]; then # each back as it was, unless someone changed it since kubelet did
    local k v kv
    while read -r k _ v; do
      for kv in $SYSCTLS; do
        [ "${kv%=*}" = "$k" ] && [ "$(sysctl -n "$k")" = "${kv#*=}" ] && sysctl -q -w "$k=$v"
      done
    done <"$W/undo/sysctl"
    rm -f "$W/undo/sysctl"
  fi
  for d in $(cgroup_dirs); do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [ -d "$d" ] && left+=("$d")
  done
  [ ${#left[@]} -eq 0 ] || log "left cgroups (processes still in them?): ${left[*]}"
  if pgrep -x kubelet >/dev/null; then # another kubelet (a test suite's) needs them now, and made them too
    [ ! -e "$W/undo/iptables" ] && [ ! -e "$W/undo/var-lib-kubelet" ] ||
      log "another kubelet runs: its iptables chains and /var/lib/kubelet/device-plugins stay"
    rm -f "$W/undo/iptables" "$W/undo/var-lib-kubelet"
  fi
  if [ -e "$W/undo/iptables" ]; then
    for ipt in iptables ip6tables; do
      for c in INPUT OUTPUT; do while $ipt -w -t filter -D "$c" -j KUBE-FIREWALL 2>/dev/null; do :; done; done
      for t in filter nat mangle; do
        for c in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
          $ipt -w -t $t -F $c 2>/dev/null && $ipt -w -t $t -X $c 2>/dev/null || true
        done
      done
    done
    rm -f "$W/undo/iptables"
  fi
  [ -d /var/log/containers ] && find /var/log/containers -maxdepth 1 -lname "$W/*" -delete
  if [ -e "$W/undo/var-log-containers" ]; then rmdir /var/log/containers 2>/dev/null || true; rm -f "$W/undo/var-log-containers"; fi
  if [ -e "$W/undo/var-lib-kubelet" ]; then
    rm -f /var/lib/kubelet/device-plugins/kubelet.sock /var/lib/kubelet/device-plugins/kubelet_internal_checkpoint
    rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null || true
    rm -f "$W/undo/var-lib-kubelet"
  fi
}

# ---- runtimes --------------------------------------------------------------------------------------
start_podshim() {
  SOCK=$W/podshim/podshim.sock
  mkdir -p "$W/podshim"
  cat >"$W/podshim/podshim.toml" <<EOF
socket = "$SOCK"
root = "$W/podshim/root"
metrics_address = "127.0.0.1:$PODSHIM_METRICS"
cgroup_driver = "cgroupfs"
cni_conf_dir = "/var/lib/harness/cni/net.d"
cni_default_network = false
stream_address = "127.0.0.1"
stream_port = 0
[registry.mirrors."registry.k8s.io"]
endpoints = ["http://127.0.0.1:5000"]
[registry.mirrors."gcr.io"]
endpoints = ["http://127.0.0.1:5000"]
[registry.mirrors."k8s.gcr.io"]
endpoints = ["http://127.0.0.1:5000"]
EOF
  log "podshim: scripts/run.sh (builds first when the sources changed)"
  scripts/run.sh --config "$W/podshim/podshim.toml" >>"$W/podshim/podshimd.log" 2>&1 &
  echo $! >"$W/podshimd.pid"
  local i
  for i in $(seq 6000); do # a build and the AOT training of a new build take minutes
    serving && return 0
    kill -0 "$(cat "$W/podshimd.pid")" 2>/dev/null || { tail -20 "$W/podshim/podshimd.log"; die "podshimd exited"; }
    sleep 0.1
  done
  die "podshimd not serving on $SOCK"
}
stop_podshim() { stop_pid "$W/podshimd.pid" 30; }

start_containerd() {
  SOCK=$CD2_SOCK
  if [ ! -e "$W/containerd2.ours" ] && serving; then
    log "containerd 2.1.9 was already running: it stays running afterwards"
  else
    touch "$W/containerd2.ours"
    "$CONF/containerd2.sh" start >&2
  fi
  # kubelet stops every pod it did not make: refuse a containerd that runs someone else's
  local foreign
  foreign=$(crictl pods -o json | jq -r --arg ns "$NS" '[.items[] | select(.metadata.namespace != $ns)] | length')
  [ "$foreign" = 0 ] || die "containerd 2.1.9 at $SOCK runs $foreign pods of others; this benchmark's kubelet would kill them"
  crictl pull registry.k8s.io/pause:3.10 >/dev/null # its sandbox image, pulled before RunPodSandbox needs it
}
stop_containerd() {
  if [ -e "$W/containerd2.ours" ]; then "$CONF/containerd2.sh" stop; rm -f "$W/containerd2.ours"; fi
}

clear_pods() { # this benchmark's pods in the runtime on $SOCK
  local ids
  ids=$(crictl pods -q --namespace "$NS" || true)
  if [ -n "$ids" ]; then
    # shellcheck disable=SC2086
    crictl rmp -f $ids >/dev/null || true
  fi
}

# ---- kubelet ---------------------------------------------------------------------------------------
start_kubelet() { # RUNTIME
  stop_kubelet
  undo_host # an earlier kubelet's mounts, before its root is emptied
  rm -rf "$W/kubelet" "$W/manifests" "$W/pki" "$W/pod-logs"
  mkdir -p "$W/kubelet" "$W/manifests" "$W/pki" "$W/pod-logs" "$W/staging"
  cat >"$W/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: $W/manifests
fileCheckFrequency: 1s
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
cgroupDriver: cgroupfs
cgroupRoot: /$CG
failSwapOn: false
failCgroupV1: false
address: 127.0.0.1
port: $PORT
readOnlyPort: $RO
healthzBindAddress: 127.0.0.1
healthzPort: $HEALTHZ
podLogsDir: $W/pod-logs
volumePluginDir: $W/volume-plugins
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
EOF
  before_kubelet
  "$TOOLS/kubelet" --config "$W/kubelet.yaml" --root-dir "$W/kubelet" --cert-dir "$W/pki" \
    --hostname-override "$NODE" --v=2 >"$W/kubelet-$1.log" 2>&1 &
  echo $! >"$W/kubelet.pid"
  local i
  for i in $(seq 300); do
    curl -fsS "http://127.0.0.1:$RO/pods" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$W/kubelet.pid")" 2>/dev/null || { tail -20 "$W/kubelet-$1.log"; die "kubelet exited"; }
    sleep 0.1
  done
  die "kubelet's read-only port $RO does not answer"
}

# ---- pods ------------------------------------------------------------------------------------------
declare -A written ready
write_manifests() { # CONTAINERS NAMES...: all made first, then moved in one after the other (a rename is atomic)
  local ctrs=$1 name c
  shift
  for name in "$@"; do
    {
      printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s}\n' "$name" "$NS"
      printf 'spec:\n  terminationGracePeriodSeconds: 1\n  containers:\n'
      for c in $(seq "$ctrs"); do
        printf '  - {name: c%s, image: "%s", imagePullPolicy: IfNotPresent, command: [sleep, "3600"]}\n' "$c" "$IMAGE"
      done
    } >"$W/staging/$name.yaml"
  done
  for name in "$@"; do
    mv "$W/staging/$name.yaml" "$W/manifests/$name.yaml"
    written[$name]=$EPOCHREALTIME
  done
}
pods_state() { # one line per pod of ours: NAME READY|ERROR:reason|-
  curl -fsS --max-time 10 "http://127.0.0.1:$RO/pods" | jq -r --arg ns "$NS" --arg sfx "-$NODE" '
    .items[]? | select(.metadata.namespace == $ns)
    | [(.metadata.name | rtrimstr($sfx)),
       (if .status.phase == "Running" and any(.status.conditions[]?; .type == "Ready" and .status == "True") then "READY"
        else ([.status.containerStatuses[]?.state.waiting.reason // empty
               | select(test("Err|Error|BackOff|Invalid"))] | if length > 0 then "ERROR:" + .[0] else "-" end) end)]
    | @tsv'
}
kubelet_errors() { grep -E '^E[0-9]{4}' "$W/kubelet-$rt.log" | tail -5 | cut -c1-400 >&2 || true; }
await_ready() { # NAMES...: ready[NAME] = when a poll first saw it Running and Ready
  local deadline=$((SECONDS + 300)) now name state n
  while :; do
    now=$EPOCHREALTIME
    while IFS=$'\t' read -r name state; do
      case "$state" in
        READY) [ -n "${ready[$name]:-}" ] || ready[$name]=$now ;;
        ERROR:*) kubelet_errors; die "pod $name: ${state#ERROR:} (kubelet log: $W/kubelet-$rt.log)" ;;
      esac
    done < <(pods_state)
    n=0
    for name in "$@"; do [ -z "${ready[$name]:-}" ] || n=$((n + 1)); done
    [ "$n" -lt $# ] || return 0
    [ $SECONDS -lt $deadline ] || { kubelet_errors; die "$n of $# pods Ready after 300 s (kubelet log: $W/kubelet-$rt.log)"; }
    sleep 0.1
  done
}
remove_pods() { # NAMES...: manifests removed; wait until kubelet has stopped them, then remove their sandboxes
  local name deadline=$((SECONDS + 300))
  for name in "$@"; do rm -f "$W/manifests/$name.yaml"; done
  while [ -n "$(pods_state)" ] || [ -n "$(crictl pods -q --namespace "$NS" --state ready)" ]; do
    [ $SECONDS -lt $deadline ] || die "pods not stopped after 300 s"
    sleep 0.2
  done
  clear_pods
  while [ -n "$(crictl pods -q --namespace "$NS")" ]; do
    [ $SECONDS -lt $deadline ] || die "sandboxes not removed after 300 s"
    sleep 0.2
  done
}

# ---- one phase: pods started, awaited, removed; kubelet's histograms before and after ----------------
metrics() { curl -fsS "http://127.0.0.1:$RO/metrics" | grep -E '^kubelet_(pod_start|pod_worker_duration|runtime_operations_duration)'; }
phase() { # KEY CONTAINERS PODS_AT_ONCE ROUNDS
  local key=$1 ctrs=$2 n=$3 rounds=$4 r i names out=$W/results/$rt.$1
  log "$rt: $key: $rounds x $n pods of $ctrs containers"
  : >"$out.pods"
  for r in $(seq "$rounds"); do
    names=()
    for i in $(seq "$n"); do names+=("${rt:0:2}-$key-r$r-$i"); done
    metrics >"$out.$r.before"
    write_manifests "$ctrs" "${names[@]}"
    await_ready "${names[@]}"
    # read before the pods are deleted: kubelet may observe a start again while it stops a static pod
    metrics >"$out.$r.after"
    for i in "${names[@]}"; do echo "$r $i ${written[$i]} ${ready[$i]}" >>"$out.pods"; done
    remove_pods "${names[@]}"
  done
}

bench_runtime() { # RUNTIME
  rt=$1
  "start_$rt"
  clear_pods
  log "$rt: pulling $IMAGE (not measured)"
  crictl pull "$IMAGE" >/dev/null
  start_kubelet "$rt"
  log "$rt: warm-up pod (not measured)"
  write_manifests 1 "${rt:0:2}-warmup"
  await_ready "${rt:0:2}-warmup"
  remove_pods "${rt:0:2}-warmup"
  phase s1 1 1 "$ROUNDS"
  phase s2 2 1 "$ROUNDS"
  phase b1 1 "$BURST" 1
  phase b2 2 "$BURST" 1
  stop_kubelet
  clear_pods
  "stop_$rt"
  SOCK=
  undo_host
}

cleanup() {
  set +e
  stop_kubelet
  [ -z "$SOCK" ] || clear_pods
  stop_podshim
  stop_containerd
  undo_host
}

# ---- the report ------------------------------------------------------------------------------------
# hist PREFIX METRIC [LABEL]: "count sum mean p50 p90" of the observations between each PREFIX.N.before
# and PREFIX.N.after (a phase's rounds)
hist() {
  awk -v m="$2" -v sel="${3:-}" '
    $1 !~ "^" m "_(sum|count|bucket)([{]|$)" || (sel != "" && index($1, sel) == 0) { next }
    { v = (FILENAME ~ /before$/ ? -$NF : $NF) }
    $1 ~ "^" m "_sum" { sum += v; next }
    $1 ~ "^" m "_count" { cnt += v; next }
    { match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5); b[le] += v }
    function quantile(q,   k, i, j, t, c, les, rank, prev, prevc) {
      k = 0; for (i in b) if (i != "+Inf") les[++k] = i + 0
      for (i = 2; i <= k; i++) { t = les[i]; for (j = i - 1; j > 0 && les[j] > t; j--) les[j + 1] = les[j]; les[j + 1] = t }
      rank = q * cnt; prev = 0; prevc = 0
      for (i = 1; i <= k; i++) {
        c = b[les[i] ""]
        if (c >= rank) return prev + (les[i] - prev) * (rank - prevc) / (c - prevc)
        prev = les[i]; prevc = c
      }
      return les[k]
    }
    END {
      if (cnt == 0) { print 0, 0, "-", "-", "-"; exit }
      printf "%d %.6f %.6f %.6f %.6f\n", cnt, sum, sum / cnt, quantile(0.5), quantile(0.9)
    }' "$1".*.before "$1".*.after
}
# stats: "mean p50 p90" of the numbers on stdin, one a line (nearest rank)
stats() {
  sort -g | awk '{ x[++n] = $1; s += $1 }
    END { if (n == 0) { print "- - -"; exit }
          i = int(n * 0.9 + 0.999); if (i > n) i = n
          printf "%.6f %.6f %.6f\n", s / n, x[int((n + 1) / 2)], x[i] }'
}
# kubelet_times PODS_FILE LOG: per pod of the phase, seconds from kubelet's "SyncLoop ADD" (it saw the manifest)
# to the last "ContainerStarted" its PLEG reported before the pod was removed (sandbox and containers started)
kubelet_times() {
  awk -v sfx="-$NODE" '
    function t(   h) { split($2, h, ":"); return h[1] * 3600 + h[2] * 60 + h[3] }
    function names(arr,   s, n, i, a) {
      s = $0; sub(/.*pods=\[/, "", s); sub(/\].*/, "", s); gsub(/"/, "", s); n = split(s, a, ",")
      for (i = 1; i <= n; i++) { sub(/^[^\/]*\//, "", a[i]); sub(sfx "$", "", a[i]); arr[a[i]] = 1 }
    }
    FILENAME != ARGV[2] { want[$2] = 1; next }
    /"SyncLoop ADD"/ { split("", p); names(p); for (n in p) if (n in want) add[n] = t(); next }
    /"SyncLoop REMOVE"/ { split("", p); names(p); for (n in p) gone[n] = 1; next }
    /"SyncLoop \(PLEG\): event for pod"/ && /"Type":"ContainerStarted"/ {
      n = $0; sub(/.* pod="[^\/]*\//, "", n); sub(/".*/, "", n); sub(sfx "$", "", n)
      if ((n in want) && !(n in gone)) started[n] = t()
    }
    END { for (n in want) if ((n in add) && (n in started)) { d = started[n] - add[n]; print (d < 0 ? d + 86400 : d) } }
  ' "$1" "$2"
}
cell() { # RUNTIME KEY ROW
  local f=$W/results/$1.$2 a b c d e
  [ -s "$f.pods" ] || { echo "-"; return; }
  case $3 in
    ready) read -r a b c < <(awk '{ print $4 - $3 }' "$f.pods" | stats); printf '%.2f / %.2f / %.2f' "$a" "$b" "$c" ;;
    kubelet) read -r a b c < <(kubelet_times "$f.pods" "$W/kubelet-$1.log" | stats)
      [ "$a" = - ] && echo "-" || printf '%.2f / %.2f / %.2f' "$a" "$b" "$c" ;;
    wall) # a round's first manifest -> its last pod Ready, mean over rounds
      awk '{ if (!($1 in t0) || $3 < t0[$1]) t0[$1] = $3; if ($4 > t1[$1]) t1[$1] = $4 }
           END { for (r in t0) { w += t1[r] - t0[r]; n++ } printf "%.2f", w / n }' "$f.pods" ;;
    start) read -r a b c d e < <(hist "$f" kubelet_pod_start_duration_seconds)
      printf '%.2f (%s obs.)' "$(awk -v s="$b" -v p="$(wc -l <"$f.pods")" 'BEGIN { print s / p }')" "$a" ;;
    worker) read -r a b c d e < <(hist "$f" kubelet_pod_worker_duration_seconds 'operation_type="create"')
      printf '%.2f / %.2f / %.2f' "$c" "$d" "$e" ;;
    cri) local o out=()
      for o in run_podsandbox create_container start_container; do
        read -r a b c d e < <(hist "$f" kubelet_runtime_operations_duration_seconds "operation_type=\"$o\"")
        out+=("$(awk -v m="$c" 'BEGIN { printf "%.0f", m * 1000 }')")
      done
      echo "${out[0]} / ${out[1]} / ${out[2]}" ;;
    sli) read -r a b c d e < <(hist "$f" kubelet_pod_start_sli_duration_seconds); echo "$a" ;;
  esac
}
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
report() {
  local key label row rlabel p c r
  {
    echo "# Pod start as kubelet measures it, $STARTED – $(date -u '+%H:%M UTC')"
    echo
    echo "\`scripts/bench-kubelet.sh $ROUNDS $BURST\`: podshim $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- daemon cri-proto ||
      echo ' + uncommitted changes') and containerd 2.1.9, one after the other under kubelet"
    echo "$("$TOOLS/kubelet" --version | cut -d' ' -f2) standalone (static pods; the same binary and configuration); busybox \`sleep\`"
    echo "pods, image pulled before, one warm-up pod each; /pods polled every 0.1 s. $(nproc) cores; load average"
    echo "$LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end. kubelet records no"
    echo "kubelet_pod_start_sli_duration_seconds for static pods (last row); the rows above it stand in for it."
    echo
    echo "| phase | figure | podshim | containerd 2.1.9 | podshim / containerd |"
    echo "|---|---|---|---|---|"
    for key in s1 s2 b1 b2; do
      case $key in
        s1) label="1 container, one at a time ($ROUNDS)" ;; s2) label="2 containers, one at a time ($ROUNDS)" ;;
        b1) label="1 container, $BURST at once" ;; b2) label="2 containers, $BURST at once" ;;
      esac
      for row in ready kubelet wall start worker cri sli; do
        case $row in
          ready) rlabel="manifest written → Running and Ready in /pods, per pod: mean / p50 / p90 (s)" ;;
          kubelet) rlabel="kubelet's log: SyncLoop ADD → PLEG saw its last container started, per pod: mean / p50 / p90 (s)" ;;
          wall) rlabel="first manifest → all pods Ready, wall clock (s)" ;;
          start) rlabel="kubelet_pod_start_duration_seconds: sum ÷ pods (s)" ;;
          worker) rlabel="kubelet_pod_worker_duration_seconds{create}: mean / p50 ≈ / p90 ≈ (s)" ;;
          cri) rlabel="kubelet's RunPodSandbox / CreateContainer / StartContainer, mean (ms)" ;;
          sli) rlabel="kubelet_pod_start_sli_duration_seconds: observations" ;;
        esac
        p=$(cell podshim $key $row) c=$(cell containerd $key $row)
        case $row in cri | sli) r=- ;; *) r=$(ratio "$p" "$c") ;; esac
        echo "| $label | $rlabel | $p | $c | $r |"
        label=""
      done
    done
  } >"$REPORT"
  cat "$REPORT"
}

[ "$(id -u)" = 0 ] || die "needs root"
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
scripts/deps.sh test
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg) STARTED=$(date -u '+%Y-%m-%d %H:%M')
mkdir -p "$W/results" "$(dirname "$REPORT")"
trap cleanup EXIT
# an aborted run's kubelet and podshimd (its pods are removed once podshimd runs again), its host changes
stop_kubelet
stop_podshim
undo_host
rm -f "$W"/results/*
"$CONF/registry.sh" >&2
"$CONF/images.sh" >&2
"$CONF/images-extra.sh" >&2
"$CONF/cni.sh"
for rt in $RUNTIMES; do bench_runtime "$rt"; done
report
