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
REPORT=daemon/target/bench/kubelet-report.md

. scripts/lib/kubelet-harness.sh

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
  begin_runtime "$1"
  warm_up 1
  phase s1 1 1 "$ROUNDS"
  phase s2 2 1 "$ROUNDS"
  phase b1 1 "$BURST" 1
  phase b2 2 "$BURST" 1
  end_runtime
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
rm -f "$W"/results/*
prepare_run
for rt in $RUNTIMES; do bench_runtime "$rt"; done
report
