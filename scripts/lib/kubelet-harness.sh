# Sourced by the benchmarks that run the real kubelet against podshim and containerd 2.1.9
# (scripts/bench-kubelet.sh, scripts/bench-node.sh): starting and stopping both runtimes, kubelet
# standalone with static pods, the pods' manifests and readiness, and undoing what kubelet changes
# on the host. The caller sets, before sourcing:
#   W        all of the benchmark's files; processes it started have W on their command line
#   CG       kubelet's cgroupRoot;  NS, NODE  the pods' namespace and kubelet's node name
#   PORT RO HEALTHZ PODSHIM_METRICS   ports;  IMAGE  the pods' image
# and may set PODSHIM_RUN (the command that starts podshimd in the foreground, scripts/run.sh unless
# set: another build to compare), PROBE (a readiness probe's period in seconds: `true` exec'd in each pod's first
# container) and KUBELET_EXTRA (more KubeletConfiguration lines).
TOOLS=$(cd ../shared/tools && pwd) CONF=$(cd ../shared/conformance && pwd)
CD2_SOCK=/run/harness/containerd2/containerd.sock
SOCK=
PROBE=${PROBE:-}
KUBELET_EXTRA=${KUBELET_EXTRA:-}

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
  ${PODSHIM_RUN:-scripts/run.sh} --config "$W/podshim/podshim.toml" >>"$W/podshim/podshimd.log" 2>&1 &
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
$KUBELET_EXTRA
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
  local ctrs=$1 name c probe
  shift
  for name in "$@"; do
    {
      printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: %s}\n' "$name" "$NS"
      printf 'spec:\n  terminationGracePeriodSeconds: 1\n  containers:\n'
      for c in $(seq "$ctrs"); do
        probe=
        [ -z "$PROBE" ] || [ "$c" != 1 ] || probe=", readinessProbe: {exec: {command: [\"true\"]}, periodSeconds: $PROBE}"
        printf '  - {name: c%s, image: "%s", imagePullPolicy: IfNotPresent, command: [sleep, "36000"]%s}\n' "$c" "$IMAGE" "$probe"
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

# ---- one runtime under kubelet ----------------------------------------------------------------------
begin_runtime() { # RUNTIME: started with none of this benchmark's pods, IMAGE pulled, kubelet started on it
  rt=$1
  "start_$rt"
  clear_pods
  log "$rt: pulling $IMAGE (not measured)"
  crictl pull "$IMAGE" >/dev/null
  start_kubelet "$rt"
}
warm_up() { # CONTAINERS: one pod started and removed, not measured
  log "$rt: warm-up pod (not measured)"
  write_manifests "$1" "${rt:0:2}-warmup"
  await_ready "${rt:0:2}-warmup"
  remove_pods "${rt:0:2}-warmup"
}
end_runtime() { # kubelet, the pods and the runtime stopped; the host as it was
  stop_kubelet
  clear_pods
  "stop_$rt"
  SOCK=
  undo_host
}
cleanup() { # on exit, whatever happened
  set +e
  stop_kubelet
  [ -z "$SOCK" ] || clear_pods
  stop_podshim
  stop_containerd
  undo_host
}

prepare_run() { # before the first runtime: an aborted run's kubelet, podshimd and host changes undone;
  # the local registry with its images and the CNI network up
  trap cleanup EXIT
  stop_kubelet
  stop_podshim
  undo_host
  "$CONF/registry.sh" >&2
  "$CONF/images.sh" >&2
  "$CONF/images-extra.sh" >&2
  "$CONF/cni.sh"
}

# ---- figures -----------------------------------------------------------------------------------------
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
