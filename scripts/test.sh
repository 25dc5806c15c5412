#!/usr/bin/env bash
# Runs the whole test suite (unit, handler, and root integration tests with real namespaces,
# pause processes and CNI plugins). Installs missing Debian packages first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
exec ./mvnw -B install "$@"
