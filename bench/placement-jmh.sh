#!/usr/bin/env bash
# Benchmark: the manager's placement engine, every rule on, over 1,000 / 5,000 / 10,000 hosts
# (JMH, io.federa.manager.core.placement.PlacementBenchmark in the manager's test sources).
# Prints placements per second for one instance into an empty plan ("place") and for 100
# replicas in one plan ("planHundred", per placement), with JMH's 99.9% error, and the time to
# build a snapshot's host tables; and one reconcile pass over a catalog at its bound (10,000
# instances, ReconcilerBenchmark) on 1,000 hosts: the first, placing everything, and a steady one.
#   bench/placement-jmh.sh [FORKS] [ITERATIONS] [SECONDS_PER_ITERATION] [HOSTS,…]
set -euo pipefail
cd "$(dirname "$0")/.."
forks=${1:-2}
iterations=${2:-5}
seconds=${3:-2}
hosts=${4:-1000,5000,10000}

run=$(mktemp -d /tmp/federa-placement-jmh.XXXXXX)
trap 'rm -rf "$run"' EXIT
# package, not install: the benchmark runs from manager/target, and nothing is written to ~/.m2.
# One invocation, so that the manager's classpath finds the common module in this build (the
# manager's classpath is written last, over the common module's).
mvn -B -q -ntp -Dstyle.color=never -DskipTests package dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
cp="manager/target/test-classes:manager/target/classes:$(cat "$run/cp.txt")"

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
timeout "${BENCH_TIMEOUT:-7200}" java -cp "$cp" org.openjdk.jmh.Main 'io.federa.manager.core.placement.PlacementBenchmark|io.federa.manager.core.lifecycle.ReconcilerBenchmark' \
    -f "$forks" -wi 3 -w "${seconds}s" -i "$iterations" -r "${seconds}s" -p hosts="$hosts" \
    -jvmArgs '-Xms1g -Xmx1g' -rf csv -rff "$run/result.csv" >"$run/jmh.log" 2>&1 || { cat "$run/jmh.log"; exit 1; }
echo "load after: $(uptime | sed 's/.*load average: //')"
# CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit","Param: hosts"
awk -F, 'NR > 1 {
    gsub(/"/, ""); sub(/.*\./, "", $1);
    printf "%-12s hosts=%-6s %14.1f ± %-10.1f %s  (%s samples)\n", $1, $8, $5, $6, $7, $4
}' "$run/result.csv"
