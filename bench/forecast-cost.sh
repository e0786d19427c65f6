#!/usr/bin/env bash
# Benchmark: what one pass of the hourly capacity forecast costs the manager (Outlook.of, as the
# forecast verticle runs it on a worker): HOSTS hosts (default 1,000) in 10 sites, 8 weeks of hours
# each, three resources, plus the sites; RUNS passes (default 5), each with its wall time, CPU time
# and heap allocated, on one thread (OutlookCostBenchmark in the manager's test sources).
#   bench/forecast-cost.sh [HOSTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d /tmp/federa-forecast.XXXXXX)
trap 'rm -rf "$run"' EXIT
# test-compile, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -cp "$cp" io.federa.manager.core.forecast.OutlookCostBenchmark "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
