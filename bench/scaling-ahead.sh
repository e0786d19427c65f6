#!/usr/bin/env bash
# Benchmark: scaling ahead of a forecast against the rule alone, on replayed daily peaks
# (ScalingAheadReplay in the manager's test sources: the forecast and the evaluator chained as the
# manager chains them, minute by minute). SEEDS generated traces (default 10) of DAYS days each
# (default 10; the first 3 only fill the history). Prints, per seed and in all, the share of peaks
# with an extra instance RUNNING when the load crossed the threshold, the mean lead, and the
# instances added ahead that the load never needed.
#   bench/scaling-ahead.sh [SEEDS] [DAYS] [AHEAD_MINUTES]   (AHEAD_MINUTES default 15)
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d /tmp/federa-ahead.XXXXXX)
trap 'rm -rf "$run"' EXIT
# test-compile, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -Dfedera.root=. -cp "$cp" io.federa.manager.core.scaling.ScalingAheadReplay "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
