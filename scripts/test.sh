#!/usr/bin/env bash
# Runs the whole test suite (unit, handler, and root integration tests with real namespaces,
# pause processes and CNI plugins), and with -Pdeb builds the Debian package once and tests it
# (packaging/target/podshim_amd64.deb). Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
exec ./mvnw -B install -Pdeb "$@"
