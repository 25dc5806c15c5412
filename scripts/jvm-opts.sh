# Sourced: JVM flags for podshimd. A node daemon should be small, and give back what a burst took:
# a bounded heap, C1 only (a control plane, not a throughput server), compact object headers.
# G1 rather than serial: serial shrinks its heap only at a full GC, which an idle daemon never runs,
# so after a burst of 16 MiB requests RSS stayed ~270 MiB; G1PeriodicGCInterval collects an idle
# daemon every 5 s and MaxHeapFreeRatio=30 uncommits the heap its live set does not need. GCTimeRatio=4
# (up to 20 % of time in GC) keeps G1's heap near serial's at start; in a heap that small the live
# set sits above an adaptive IHOP and G1 marked without pause (≈ 100 cycles in a sandbox benchmark
# run, RunPodSandbox p99 ×2), so marking starts at a fixed 75 % occupancy. TrimNativeHeapInterval
# hands the memory glibc keeps after free() (Netty's direct buffers) back to the kernel every 5 s.
# BENCHMARKS.md, "Daemon memory under bursts", has the figures.
# MetaspaceSize above what the daemon loads (~35 MB), and SweeperThreshold 50 % of the code cache: below
# them, class loading and C1 compiling trigger GCs mid-RPC (full GCs of 15-35 ms under serial).
# CompileThresholdScaling=0.5: C1 compiles a method after 100 calls instead of 200. kubelet and critest
# read a pod's status once after each change, and at the default thresholds those reads ran
# interpreted through a whole benchmark: critest's StatusPod p50 on a fresh daemon 1.3-1.8 ms at 1.0,
# 0.6-0.7 ms at 0.5. 0.1 was not measurably faster and its code cache held 8 MiB more with 110 pods (19 vs 11 MiB
# at 1.0, 13 MiB at 0.5). BENCHMARKS.md, "Lean daemon".
# The one place of these flags: scripts/run.sh sources this file, and the Debian package installs it
# as /usr/lib/podshim/jvm-opts.sh for its /usr/bin/podshimd launcher, which the unit runs.
PODSHIM_JVM_OPTS=${PODSHIM_JVM_OPTS:-"-XX:+UseG1GC -XX:GCTimeRatio=4 -XX:-G1UseAdaptiveIHOP \
-XX:InitiatingHeapOccupancyPercent=75 -XX:G1PeriodicGCInterval=5000 -XX:MinHeapFreeRatio=10 \
-XX:MaxHeapFreeRatio=30 -XX:TrimNativeHeapInterval=5000 -Xms16m -Xmx128m -XX:MetaspaceSize=64m \
-XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:SweeperThreshold=50 \
-XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=0.5 -XX:+UseCompactObjectHeaders -Xss512k -XX:CICompilerCount=1 \
--enable-native-access=ALL-UNNAMED"}
# The AOT cache's training run (scripts/run.sh, the package's postinst) adds these: no method
# profiles in the cache, since they only feed C2, which TieredStopAtLevel=1 never runs; without
# them the cache is 1.5 MB smaller and the daemon's PSS ~2 MB lower.
PODSHIM_AOT_TRAIN_OPTS=${PODSHIM_AOT_TRAIN_OPTS:-"-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining"}
