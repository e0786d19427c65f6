#!/usr/bin/env bash
# Benchmark: what metering costs the manager per poll (MeteringCostBenchmark in the manager's test
# sources): HOSTS hosts (default 1,000) of VMS_PER_HOST VMs (default 10) through the meter, the
# minute ledger and the spending, as the cost verticle does each interval; SAMPLES warm samples
# (default 30), their median and spread, and the share of a core at one sample a second.
#   bench/metering-cost.sh [HOSTS] [VMS_PER_HOST] [SAMPLES]
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d /tmp/federa-metering.XXXXXX)
trap 'rm -rf "$run"' EXIT
# test-compile, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -cp "$cp" io.federa.manager.core.cost.MeteringCostBenchmark "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
