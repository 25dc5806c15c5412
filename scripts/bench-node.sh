#!/usr/bin/env bash
# A node's worth of pods (issue 21): podshim and containerd 2.1.9 one after the other in one run,
# under the same kubelet (../shared/tools/kubelet v1.36.2, standalone, static pods; defaults: generic
# PLEG relisting every second, the eviction manager's stats every 10 s) with the same runc, CNI
# network and busybox image. Every pod is 2 `sleep` containers, the first with an exec readiness
# probe (`true`) every 10 s. For each runtime:
#   burst      BURSTS times, BURST pods without the probe written at once (after one warm-up pod): first manifest
#              -> all Running and Ready in kubelet's /pods (polled every 0.1 s), per pod manifest ->
#              Ready, kubelet's log SyncLoop ADD -> PLEG's last ContainerStarted,
#              kubelet_pod_start_sli_duration_seconds; then removed;
#   fill       PODS pods, written at once;
#   footprint  30 s later and again after the steady window: PSS (smaps_rollup), processes and threads of
#              every process the runtime owns:
#              its daemon; pause (podshim's, or containerd's sandbox containers: comm pause in a
#              kubelet pod cgroup); conmon (podshim) or containerd-shim-runc-v2 (containerd);
#   steady     STEADY seconds: CPU (utime+stime, plus cutime+cstime for the runc and exec processes
#              they reaped) of those processes from /proc/<pid>/stat, and kubelet's beside it, while
#              this script also reads /stats/summary every 10 s as metrics-server would;
#   kill -9    KILLS times: the daemon killed, started again at once with its own command line (as
#              systemd's Restart= would), then polled every ~0.1 s: Status ready, all PODS sandboxes
#              ready and 2xPODS containers running, and kubelet's first ListPodSandbox that succeeded
#              (kubelet_runtime_operations_total minus _errors_total); afterwards every pod must still
#              be Ready with no container restarted.
# Shares scripts/lib/kubelet-harness.sh with scripts/bench-kubelet.sh (ports and cgroupRoot apart:
# 10360/10365/10358, /podshim-node-bench), and like it undoes what kubelet changes on the host and
# cleans up after an aborted run when started again. About 12 minutes per runtime at the defaults.
# Report: daemon/target/bench/node-report.md
# usage: scripts/bench-node.sh [STEADY_SECONDS]        (default 300)
#        scripts/bench-node.sh report                  (the last run's table again)
#        PODS=110 BURST=30 BURSTS=3 KILLS=3 RUNTIMES="podshim containerd" (defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
STEADY=${1:-300}
PODS=${PODS:-110} BURST=${BURST:-30} BURSTS=${BURSTS:-3} KILLS=${KILLS:-3}
RUNTIMES=${RUNTIMES:-podshim containerd}
W=/tmp/podshim-node-bench         # all of this benchmark's files; fixed, so a next run finds an aborted one's
CG=podshim-node-bench             # kubelet's cgroupRoot
NS=node-bench NODE=node-bench
PORT=10360 RO=10365 HEALTHZ=10358 PODSHIM_METRICS=10359
IMAGE=registry.k8s.io/e2e-test-images/busybox:1.29-2
PROBE=10
REPORT=daemon/target/bench/node-report.md

. scripts/lib/kubelet-harness.sh

# ---- the runtime's processes -------------------------------------------------------------------------
daemon_pid() { if [ "$rt" = podshim ]; then cat "$W/podshimd.pid"; else cat /run/harness/containerd2/pid; fi; }
# "KIND PID" for each process the runtime owns: daemon, pause, monitor (conmon or a containerd shim)
runtime_procs() {
  local p comm cmd
  echo "daemon $(daemon_pid)"
  for p in /proc/[0-9]*; do
    { read -r comm <"$p/comm"; } 2>/dev/null || continue # gone meanwhile
    case $comm in
      pause*) grep -q "/$CG/" "$p/cgroup" 2>/dev/null && echo "pause ${p#/proc/}" ;; # podshim's is pause-<digest>
      conmon | containerd-shim*)
        cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
        case $cmd in *"$W"* | *"$CD2_SOCK"*) echo "monitor ${p#/proc/}" ;; esac ;;
    esac
  done
}
# "KIND COUNT PSS_KIB THREADS" per kind, and "all ..." summed
footprint() {
  local kind pid pss thr
  runtime_procs | while read -r kind pid; do
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || continue
    thr=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
    echo "$kind ${pss:-0} ${thr:-0}"
  done | awk '{ n[$1]++; p[$1] += $2; t[$1] += $3; N++; P += $2; T += $3 }
    END { for (k in n) print k, n[k], p[k], t[k]; print "all", N, P, T }'
}
# utime+stime+cutime+cstime (clock ticks) of the given pids, one "PID TICKS REAPED" a line: REAPED the
# part of children it reaped (cutime+cstime: runc, and the exec'd commands)
ticks() {
  local pid s
  for pid in "$@"; do
    s=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    s=${s##*) }
    # shellcheck disable=SC2086
    set -- $s
    echo "$pid $((${12} + ${13} + ${14} + ${15})) $((${14} + ${15}))"
  done
}

# ---- phases ------------------------------------------------------------------------------------------
kmetric() { # SUM of kubelet's metric lines that start with the given prefix and contain every further string
  local path=metrics
  case $1 in prober_*) path=metrics/probes ;; esac
  curl -fsS --max-time 5 "http://127.0.0.1:$RO/$path" | awk -v m="$1" -v a="${2:-}" -v b="${3:-}" '
    index($0, m) == 1 && index($0, a) && index($0, b) { s += $NF } END { printf "%.0f\n", s }'
}
names_from() { # FIRST LAST: pod names; "bR-" before both numbers names burst R's pods
  local i p=p
  case $1 in b*) p=${1%%-*}x ;; esac
  for i in $(seq "${1##*-}" "${2##*-}"); do echo "${rt:0:2}-$p$i"; done
}

burst() {
  local out=$W/results/$rt r name names
  kmetric kubelet_pod_start_sli_duration_seconds_count >"$out.sli0"
  for r in $(seq "$BURSTS"); do
    log "$rt: burst $r of $BURSTS: $BURST pods x 2 containers"
    mapfile -t names < <(names_from "b$r-1" "b$r-$BURST")
    # without the probe: a readiness probe's first run can miss kubelet's trigger at the start and
    # wait a whole period, which would measure kubelet's prober rather than the runtime
    PROBE= write_manifests 2 "${names[@]}"
    await_ready "${names[@]}"
    for name in "${names[@]}"; do echo "$r $name ${written[$name]} ${ready[$name]}" >>"$out.burst"; done
    remove_pods "${names[@]}"
  done
  echo $(($(kmetric kubelet_pod_start_sli_duration_seconds_count) - $(cat "$out.sli0"))) >"$out.sli"
}

fill() {
  local t0=$EPOCHREALTIME
  log "$rt: $PODS pods written at once"
  # shellcheck disable=SC2046
  write_manifests 2 $(names_from 1 "$PODS")
  # shellcheck disable=SC2046
  await_ready $(names_from 1 "$PODS")
  awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", b - a }' >"$W/results/$rt.fill"
}

steady() {
  local out=$W/results/$rt kpid pids end left probes0 f
  kpid=$(cat "$W/kubelet.pid")
  mapfile -t pids < <(runtime_procs | awk '{ print $2 }')
  log "$rt: steady state, $STEADY s (${#pids[@]} processes)"
  probes0=$(kmetric prober_probe_total 'probe_type="Readiness"' 'result="successful"')
  ticks "${pids[@]}" >"$out.ticks0"
  ticks "$kpid" >"$out.kticks0"
  end=$((SECONDS + STEADY))
  while [ $SECONDS -lt "$end" ]; do
    curl -fsS --max-time 10 -o /dev/null "http://127.0.0.1:$RO/stats/summary" || log "stats/summary failed"
    left=$((end - SECONDS))
    [ "$left" -le 0 ] || sleep $((left < 10 ? left : 10))
  done
  ticks "${pids[@]}" >"$out.ticks1"
  ticks "$kpid" >"$out.kticks1"
  echo $(($(kmetric prober_probe_total 'probe_type="Readiness"' 'result="successful"') - probes0)) >"$out.probes"
  # CPU % of one core over the window, over the processes that lived through it
  local hz
  hz=$(getconf CLK_TCK)
  for f in ticks kticks; do
    awk -v hz="$hz" -v s="$STEADY" 'NR == FNR { a[$1] = $2; c[$1] = $3; next }
      ($1 in a) { d += $2 - a[$1]; r += $3 - c[$1] }
      END { printf "%.2f %.2f\n", 100 * d / hz / s, 100 * r / hz / s }' "$out.${f}0" "$out.${f}1" >"$out.$f.cpu"
  done
}

restart_daemon() { # the command line, environment and directory it had; its log appended to
  local pid=$1
  mapfile -d '' -t argv <"/proc/$pid/cmdline"
  mapfile -d '' -t envv <"/proc/$pid/environ"
  cwd=$(readlink "/proc/$pid/cwd")
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  local log=$W/podshim/podshimd.log
  [ "$rt" = podshim ] || log=/var/lib/harness/containerd2/containerd.log
  (cd "$cwd" && exec env -i "${envv[@]}" "${argv[@]}" >>"$log" 2>&1) &
  if [ "$rt" = podshim ]; then echo $! >"$W/podshimd.pid"; else echo $! >/run/harness/containerd2/pid; fi
  # kill9's baseline: every call that ended before the kill is in it, and the new daemon takes far
  # longer than this read to serve its first call
  ok0=$(listed_ok)
}
kill9() {
  local k out=$W/results/$rt.kill t0 ok0 st ls kl now n_ready n_run restarts0 deadline
  restarts0=$(restarts)
  for k in $(seq "$KILLS"); do
    sleep 5
    log "$rt: kill -9 $k of $KILLS"
    t0=$EPOCHREALTIME
    restart_daemon "$(daemon_pid)"
    st= ls= kl=
    while [ -z "$st" ] || [ -z "$ls" ] || [ -z "$kl" ]; do
      now=$EPOCHREALTIME
      if [ -z "$st" ]; then
        "$TOOLS/crictl" -r "unix://$SOCK" -t 2s info 2>/dev/null |
          jq -e '[.status.conditions[] | select(.status != true)] | length == 0' >/dev/null 2>&1 && st=$now
      elif [ -z "$ls" ]; then
        n_ready=$(crictl pods -q --namespace "$NS" --state ready | wc -l)
        n_run=$(crictl ps -q --state running | wc -l)
        [ "$n_ready" -lt "$PODS" ] || [ "$n_run" -lt $((2 * PODS)) ] || ls=$now
      fi
      [ -n "$kl" ] || [ "$(listed_ok)" -le "$ok0" ] || kl=$now
      awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 120) }' && die "$rt not back 120 s after kill -9"
      sleep 0.05
    done
    echo "$t0 $st $ls $kl" >>"$out"
  done
  deadline=$((SECONDS + 120))
  until [ "$(pods_state | grep -c $'\tREADY$')" = "$PODS" ]; do
    [ $SECONDS -lt $deadline ] || die "$rt: not all $PODS pods Ready 120 s after the last kill -9"
    sleep 0.5
  done
  echo $(($(restarts) - restarts0)) >"$out.restarts"
}
# kubelet's ListPodSandbox calls that succeeded, from one scrape. kubelet counts a failed call's error
# before the call itself, so a scrape between the two shows one less; never one more: only a call
# that succeeded raises it above what it was before the kill
listed_ok() {
  curl -fsS --max-time 5 "http://127.0.0.1:$RO/metrics" | awk '
    /^kubelet_runtime_operations_total[{]operation_type="list_podsandbox"[}]/ { t = $NF }
    /^kubelet_runtime_operations_errors_total[{]operation_type="list_podsandbox"[}]/ { e = $NF }
    END { printf "%.0f\n", t - e }'
}
restarts() {
  curl -fsS --max-time 10 "http://127.0.0.1:$RO/pods" | jq --arg ns "$NS" \
    '[.items[]? | select(.metadata.namespace == $ns) | .status.containerStatuses[]?.restartCount] | add // 0'
}

bench_runtime() { # RUNTIME
  rm -f "$W/results/$1".*
  begin_runtime "$1"
  # kubelet delays each pod's first probe by a random part of its period while it is younger than that
  sleep "$PROBE"
  warm_up 2
  burst
  fill
  sleep 30
  footprint >"$W/results/$rt.footprint-fill"
  steady
  footprint >"$W/results/$rt.footprint" # the node as it runs: after the steady window
  kill9
  log "$rt: removing $PODS pods"
  # shellcheck disable=SC2046
  remove_pods $(names_from 1 "$PODS")
  end_runtime
}

# ---- the report --------------------------------------------------------------------------------------
cell() { # RUNTIME ROW; "-" for what the run did not measure
  local f=$W/results/$1 a b c
  case $2 in
    pss* | procs | threads) [ -s "$f.footprint" ] || { echo "-"; return; } ;;
    fill-pss) [ -s "$f.footprint-fill" ] || { echo "-"; return; } ;;
    cpu | kcpu | probes) [ -s "$f.probes" ] || { echo "-"; return; } ;;
    wall | ready | kubelet | sli) [ -s "$f.burst" ] || { echo "-"; return; } ;;
    k-* | restarts) [ -s "$f.kill" ] || { echo "-"; return; } ;;
    fill) [ -s "$f.fill" ] || { echo "-"; return; } ;;
  esac
  case $2 in
    pss | procs | threads)
      local kind=all col=3
      [ "$2" = procs ] && col=2
      [ "$2" = threads ] && col=4
      awk -v k="$kind" -v c="$col" -v mib="$([ "$2" = pss ] && echo 1)" '$1 == k { if (mib) printf "%.0f", $c / 1024; else print $c }' "$f.footprint" ;;
    pss-*) awk -v k="${2#pss-}" '$1 == k { printf "%.1f (%d)", $3 / 1024, $2 }' "$f.footprint" ;;
    fill-pss) awk '$1 == "all" { printf "%.0f (daemon ", $3 / 1024 } $1 == "daemon" { d = $3; t = $4 }
      END { printf "%.1f MiB, %d threads)", d / 1024, t }' "$f.footprint-fill" ;;
    cpu) awk '{ printf "%s (%s of it in processes they reaped)", $1, $2 }' "$f.ticks.cpu" ;;
    kcpu) awk '{ print $1 }' "$f.kticks.cpu" ;;
    probes) cat "$f.probes" ;;
    wall) # each burst's first manifest -> its last pod Ready: the mean (each)
      awk '{ if (!($1 in t0) || $3 < t0[$1]) t0[$1] = $3; if ($4 > t1[$1]) t1[$1] = $4 }
        END { for (r = 1; r in t0; r++) { w = t1[r] - t0[r]; s += w; v = v (v == "" ? "" : ", ") sprintf("%.2f", w) }
              printf "%.2f (%s)", s / (r - 1), v }' "$f.burst" ;;
    ready) read -r a b c < <(awk '{ print $4 - $3 }' "$f.burst" | stats); printf '%.2f / %.2f / %.2f' "$a" "$b" "$c" ;;
    kubelet) read -r a b c < <(kubelet_times "$f.burst" "$W/kubelet-$1.log" | stats)
      [ "$a" = - ] && echo "-" || printf '%.2f / %.2f / %.2f' "$a" "$b" "$c" ;;
    sli) cat "$f.sli" ;;
    fill) cat "$f.fill" ;;
    k-status | k-listed | k-kubelet)
      local c=2
      [ "$2" = k-listed ] && c=3
      [ "$2" = k-kubelet ] && c=4
      awk -v c="$c" '{ d = $c - $1; s += d; v = v (v == "" ? "" : ", ") sprintf("%.2f", d) }
        END { printf "%.2f (%s)", s / NR, v }' "$f.kill" ;;
    restarts) cat "$f.kill.restarts" ;;
  esac
}
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "-" }'; }
verdict() { # RATIO TARGET
  awk -v r="$1" -v t="$2" 'BEGIN { if (r == "-") print "-"; else if (r + 0 <= t + 0) print "met"; else printf "missed by %.0f %%\n", 100 * (r - t) / t }'
}
report() {
  local row label target p c r
  {
    echo "# A node's worth of pods, $STARTED – $(date -u '+%H:%M UTC')"
    echo
    echo "\`scripts/bench-node.sh $STEADY\` (PODS=$PODS BURST=$BURST BURSTS=$BURSTS KILLS=$KILLS): podshim $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- daemon cri-proto ||
      echo ' + uncommitted changes') and containerd 2.1.9, one after the other under kubelet"
    echo "$("$TOOLS/kubelet" --version | cut -d' ' -f2) standalone (static pods; the same binary and configuration), each pod 2 busybox"
    echo "\`sleep\` containers, an exec readiness probe every ${PROBE} s. $(nproc) cores; load average $LOAD0 at the start,"
    echo "$(cut -d' ' -f1-3 /proc/loadavg) at the end."
    echo
    echo "| figure | podshim | containerd 2.1.9 | podshim / containerd | target |"
    echo "|---|---|---|---|---|"
    for row in pss pss-daemon pss-pause pss-monitor procs threads fill-pss cpu kcpu probes wall ready kubelet sli fill \
      k-status k-listed k-kubelet restarts; do
      target=
      case $row in
        pss) label="footprint at $PODS pods x 2, after the steady window: PSS of the runtime's processes (MiB)"; target=0.2 ;;
        pss-daemon) label="… the daemon: MiB (processes)" ;;
        pss-pause) label="… pause: MiB (processes)" ;;
        pss-monitor) label="… conmon / containerd-shim-runc-v2: MiB (processes)" ;;
        procs) label="processes" ;;
        threads) label="threads" ;;
        fill-pss) label="… the same 30 s after the $PODS pods were Ready: MiB (daemon)" ;;
        cpu) label="steady state, $STEADY s: CPU of the runtime's processes (% of one core)"; target=0.5 ;;
        kcpu) label="… kubelet's CPU in the same window (% of one core)" ;;
        probes) label="… exec probes that succeeded in the window" ;;
        wall) label="burst of $BURST pods x 2, $BURSTS times: first manifest → all Running and Ready, mean (each) (s)"; target=0.6 ;;
        ready) label="… per pod, manifest → Ready in /pods: mean / p50 / p90 (s)" ;;
        kubelet) label="… per pod, kubelet's log SyncLoop ADD → last ContainerStarted: mean / p50 / p90 (s)" ;;
        sli) label="… kubelet_pod_start_sli_duration_seconds observations (none for static pods)" ;;
        fill) label="$PODS pods with probes written at once → all Ready (s; the first probes' timing decides much of it)" ;;
        k-status) label="kill -9 with $PODS pods → Status ready: mean (each) (s)" ;;
        k-listed) label="… → $PODS sandboxes ready and $((2 * PODS)) containers running listed (s)" ;;
        k-kubelet) label="… → kubelet's first successful ListPodSandbox (s)"; target=1 ;;
        restarts) label="… containers restarted after the kills" ;;
      esac
      p=$(cell podshim $row) c=$(cell containerd $row)
      case $row in sli | probes | restarts) r=- ;; *) r=$(ratio "$p" "$c") ;; esac
      [ -z "$target" ] || target="≤ $target: $(verdict "$r" "$target")"
      echo "| $label | $p | $c | $r | $target |"
    done
  } >"$REPORT"
  cat "$REPORT"
}

[ "$(id -u)" = 0 ] || die "needs root"
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
if [ "$STEADY" = report ]; then # the last run's table again, from its results
  # shellcheck disable=SC1091
  . "$W/results/run"
  report
  exit 0
fi
scripts/deps.sh test
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg) STARTED=$(date -u '+%Y-%m-%d %H:%M')
mkdir -p "$W/results" "$(dirname "$REPORT")"
declare -p STEADY PODS BURST BURSTS KILLS LOAD0 STARTED | sed 's/^declare -- //' >"$W/results/run"
prepare_run
for rt in $RUNTIMES; do bench_runtime "$rt"; done
report
