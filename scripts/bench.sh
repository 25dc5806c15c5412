#!/usr/bin/env bash
# Sandbox benchmark: RunPodSandbox/Stop/Remove latency (host and pod network) against a real
# podshimd process, pause RSS/PSS, daemon RSS with 0 and N sandboxes. The daemon runs with the
# production JVM flags. Report: daemon/target/bench/sandbox-report.md
# usage: scripts/bench.sh [-Dbench.cycles=200] [-Dbench.sandboxes=200] [-Dbench.warmup=50]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
. scripts/jdk.sh
. scripts/jvm-opts.sh
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl daemon surefire:test -Dtest=SandboxBenchmark -Dpodshim.excludedGroups= -Dgroups=bench \
  -Dsurefire.failIfNoSpecifiedTests=false "-Dbench.jvmOpts=$PODSHIM_JVM_OPTS" "$@" >/dev/null
cat daemon/target/bench/sandbox-report.md
