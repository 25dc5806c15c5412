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
# (the JVM opens library jars lazily and would fail to load classes).
dist=/var/cache/podshim/$(cat "$jar" daemon/target/lib/*.jar | sha256sum | cut -c1-16)
if [ ! -f "$dist/podshimd.jar" ]; then
  mkdir -p "$dist.tmp" && cp -r "$jar" daemon/target/lib "$dist.tmp/" && mv "$dist.tmp" "$dist"
fi
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $PODSHIM_JVM_OPTS -jar "$dist/podshimd.jar" "$@"
