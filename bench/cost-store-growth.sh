#!/usr/bin/env bash
# Benchmark: how much the cost store grows (CostStoreGrowthBenchmark in the manager's test
# sources): MINUTES minutes (default 60) of HOSTS hosts (default 1,000) with APPS applications each
# (default 10) written as the cost verticle writes them into an embedded database file, and the
# hours summed; prints the bytes a line and the growth projected for 10,000 VMs a day.
#   bench/cost-store-growth.sh [HOSTS] [APPS] [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d /tmp/federa-growth.XXXXXX)
trap 'rm -rf "$run"' EXIT
# test-compile, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -cp "$cp" io.federa.manager.store.CostStoreGrowthBenchmark "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
