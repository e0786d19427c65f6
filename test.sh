#!/usr/bin/env bash
# Runs every Federa test: unit tests, the agents against libvirt's real test driver and real
# Jolokia, and the end-to-end tests that start the packaged programs as processes.
# Installs what it needs first (Debian packages through apt-get).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
exec mvn -B -ntp verify "$@"
