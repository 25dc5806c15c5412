#!/usr/bin/env bash
# Starts podshimd in the foreground with built-in defaults (socket /run/podshim/podshim.sock,
# state /var/lib/podshim). Installs missing Debian packages and builds the daemon when needed.
# Extra arguments are passed to podshimd (see `scripts/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
. scripts/jdk.sh
. scripts/jvm-opts.sh
jar=daemon/target/podshimd.jar
if [ ! -f "$jar" ] || [ -n "$(find pom.xml cri-proto daemon/pom.xml daemon/src/main -newer "$jar" -print -quit)" ]; then
  ./mvnw -q -B -DskipTests install
fi
# Run a copy, keyed by content: a later build must never rewrite the jars of a running daemon
# (the JVM opens library jars lazily and would fail to load classes). The key is computed once per
# build (daemon/target/dist.key), not at every start: a start only checks that no jar is newer.
# The JVM flags are part of the key: a cache made under other flags (another GC) would be refused.
key=daemon/target/dist.key
if [ ! -s "$key" ] || [ -n "$(find "$jar" daemon/target/lib scripts/jvm-opts.sh -newer "$key" -print -quit)" ]; then
  cat "$jar" daemon/target/lib/*.jar scripts/jvm-opts.sh | sha256sum | cut -c1-16 > "$key.tmp" && mv "$key.tmp" "$key"
fi
dist=/var/cache/podshim/$(cat "$key")
if [ ! -f "$dist/podshimd.jar" ]; then
  mkdir -p "$dist.tmp" && cp -r "$jar" daemon/target/lib "$dist.tmp/" && mv "$dist.tmp" "$dist"
fi
# The JDK's AOT cache (classes loaded and linked up to "ready"), made once per copy by a training
# run with the same flags. The JVM checks a cache against its jars' paths and sizes only, so it
# lives in the content-keyed copy and is never reused across builds. A failed training leaves a
# marker and the daemon starts without a cache (slower, never broken).
aot=$dist/podshimd.aot
if [ ! -f "$aot" ] && [ ! -f "$dist/aot-train.failed" ]; then
  # shellcheck disable=SC2086
  if (cd "$dist" && "$JAVA_HOME/bin/java" $PODSHIM_JVM_OPTS $PODSHIM_AOT_TRAIN_OPTS -XX:AOTCacheOutput="$aot.tmp" \
      -jar "$dist/podshimd.jar" aot-train) >"$dist/aot-train.log" 2>&1 && [ -f "$aot.tmp" ]; then
    mv "$aot.tmp" "$aot"
  else
    echo "podshim: AOT cache training failed (see $dist/aot-train.log); starting without it" >&2
    touch "$dist/aot-train.failed"
  fi
fi
aot_opts=()
[ -f "$aot" ] && aot_opts=("-XX:AOTCache=$aot")
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $PODSHIM_JVM_OPTS "${aot_opts[@]}" -jar "$dist/podshimd.jar" "$@"
