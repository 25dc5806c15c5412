#!/usr/bin/env bash
# Issue 11's figures in one run, podshim and a private containerd side by side: status and list
# latency with 1 and N pods, daemon RSS/PSS with 0 and N pods, start -> ready on an empty root,
# kill -9 -> serving N pods, and critest's StatusPod (../shared/conformance/bench.sh).
# podshim runs through scripts/run.sh (production flags, AOT cache); containerd (Debian's, on PATH)
# gets its own root, state and socket under a temp directory, so no shared daemon is touched.
# Needs root, the harness CNI network (../shared/conformance/cni.sh) and the local registry
# (registry.sh) for containerd's pause image. Report: daemon/target/bench/lean-report.md.
# usage: scripts/bench-lean.sh [-Dbench.lean.pods=110] [-Dbench.lean.calls=2000] [-Dbench.lean.starts=3]
#          [-Dbench.lean.containerd=false] [-Dbench.lean.critest=] [-Dbench.lean.cniConfDir=DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
. scripts/jdk.sh
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl daemon surefire:test -Dtest=LeanBenchmark -Dpodshim.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false \
  "$@" >/dev/null
cat daemon/target/bench/lean-report.md
