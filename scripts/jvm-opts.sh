# Sourced: JVM flags for podshimd. A node daemon should be small: serial GC, a bounded heap,
# C1 only (a control plane, not a throughput server), compact object headers. MetaspaceSize above
# what the daemon loads (~35 MB), and SweeperThreshold 50 % of the code cache: below them, class
# loading and C1 compiling trigger full GCs of 15-35 ms mid-RPC.
# systemd/podshim.service repeats these flags (a test keeps the two equal).
PODSHIM_JVM_OPTS=${PODSHIM_JVM_OPTS:-"-XX:+UseSerialGC -Xms16m -Xmx128m -XX:MetaspaceSize=64m -XX:MaxMetaspaceSize=96m \
-XX:ReservedCodeCacheSize=32m -XX:SweeperThreshold=50 -XX:TieredStopAtLevel=1 -XX:+UseCompactObjectHeaders -Xss512k \
-XX:CICompilerCount=1 --enable-native-access=ALL-UNNAMED"}
