#!/usr/bin/env bash
# Runs a main class of the manager's test sources (the benchmarks that share code with its tests)
# on the manager's test classpath, with the machine and its load printed before and after:
#   bench/run-manager-main.sh CLASS [ARGS...]
# It test-compiles, never installs: the class runs from manager/target, nothing is written to ~/.m2.
set -euo pipefail
cd "$(dirname "$0")/.."
main=$1
shift

run=$(mktemp -d /tmp/federa-bench.XXXXXX)
trap 'rm -rf "$run"' EXIT
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -Dfedera.root=. -cp "$cp" "$main" "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
