# Sourced: JVM flags for podshimd. A node daemon should be small: serial GC, a bounded heap,
# C1 only (a control plane, not a throughput server), compact object headers.
PODSHIM_JVM_OPTS=${PODSHIM_JVM_OPTS:-"-XX:+UseSerialGC -Xms16m -Xmx128m -XX:MaxMetaspaceSize=96m \
-XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -XX:+UseCompactObjectHeaders -Xss512k \
-XX:CICompilerCount=1 --enable-native-access=ALL-UNNAMED"}
