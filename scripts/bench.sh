#!/usr/bin/env bash
# Benchmarks, side by side in one run:
#  - sandboxes: RunPodSandbox/Stop/Remove latency (host and pod network) against a real podshimd
#    process with the production JVM flags, pause RSS/PSS, daemon RSS with 0 and N sandboxes
#    (report: daemon/target/bench/sandbox-report.md);
#  - images: pull + unpack of a ~100 MB image from a local registry vs `skopeo copy` of the same
#    image (report: daemon/target/pull-benchmark.txt);
#  - ImageFsInfo on a store of 100,000 files: a whole-store walk vs layer usage recorded at
#    unpack time (report: daemon/target/bench/imagefs-report.md);
#  - the metrics endpoint with 200 concurrent scrapers against a real podshimd with the
#    production JVM flags (report: daemon/target/bench/metrics-report.md);
#  - daemon memory under bursts: podshimd's RSS/PSS fresh, after 1,000 host-network sandbox
#    lifecycles, after 50 refused requests of ~16 MB, and 10 s and 30 s later
#    (report: daemon/target/bench/memory-report.md);
#  - daemon memory after 20 ExecSync calls that each write 50 MB, 4 at once, with one container
#    running, right after and 10, 30, 60 s later (report: daemon/target/bench/exec-memory-report.md);
#  - a hostile run over every RPC (issue 18): every CRI method empty, with huge / negative fields and
#    as garbage bytes, plus hostile mounts, log directories, seccomp profiles, resources and an
#    ExecSync that outlives its timeout, a few thousand requests from 4 clients; gRPC codes per
#    method, INTERNAL/UNKNOWN, files outside the daemon's places, threads, RSS start/peak/+60 s
#    (report: daemon/target/bench/hostile-report.md).
# usage: scripts/bench.sh [-Dbench.cycles=200] [-Dbench.sandboxes=200] [-Dbench.warmup=50]
#          [-Dbench.scrapers=200] [-Dbench.scrapeRounds=10]
#          [-Dbench.memory.lifecycles=1000] [-Dbench.memory.burst=50] [-Dbench.memory.parallel=4]
#          [-Dbench.hostile.requests=4000] [-Dbench.hostile.seconds=100] [-Dbench.hostile.clients=4]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
. scripts/jdk.sh
. scripts/jvm-opts.sh
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl daemon surefire:test -Dtest='SandboxBenchmark,PullBenchmark,ImageFsInfoBenchmark,MetricsBenchmark,MemoryBenchmark,ExecBurstMemoryBenchmark,HostileRunBenchmark' -Dpodshim.excludedGroups= \
  -Dpodshim.bench=true -Dsurefire.failIfNoSpecifiedTests=false "-Dbench.jvmOpts=$PODSHIM_JVM_OPTS" "$@" >/dev/null
cat daemon/target/bench/sandbox-report.md
echo
cat daemon/target/pull-benchmark.txt
echo
cat daemon/target/bench/imagefs-report.md
echo
cat daemon/target/bench/metrics-report.md
echo
cat daemon/target/bench/memory-report.md
echo
cat daemon/target/bench/exec-memory-report.md
echo
cat daemon/target/bench/hostile-report.md
