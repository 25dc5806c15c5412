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
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" $PODSHIM_JVM_OPTS -jar "$jar" "$@"
