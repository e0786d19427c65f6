#!/usr/bin/env bash
# Benchmark: the forecaster's accuracy (io.federa.manager.core.forecast, double-seasonal
# Holt-Winters) against seasonal naive and Prometheus's predict_linear over 1 h and 6 h, replayed on
# generated traces (ForecastAccuracyBenchmark in the manager's test sources, beside the traces and
# baselines its tests use): a CPU series with daily and weekly peaks, a steadily growing storage
# series, a noisy network series; SEEDS seeds each (default 5), ORIGINS origins a seed (default 72,
# one every 2 h 5 min through a fifth week, each fitted on the four weeks before it). Prints per
# horizon (15 min, 1 h, 24 h) the MAPE of each method from the same origins, the noise floor, and
# the 80 % and 95 % interval coverage, each as the mean over seeds and its range; and the time one
# fit and one day's forecast take. Single-threaded; a few tens of seconds.
#   bench/forecast-accuracy.sh [SEEDS] [ORIGINS]
set -euo pipefail
cd "$(dirname "$0")/.."

run=$(mktemp -d /tmp/federa-forecast.XXXXXX)
trap 'rm -rf "$run"' EXIT
# test-compile, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never test-compile dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
java -cp "$cp" io.federa.manager.core.forecast.ForecastAccuracyBenchmark "$@"
echo "load after: $(uptime | sed 's/.*load average: //')"
