#!/usr/bin/env bash
# Benchmark: the manager's read of one agent's answer to its poll (JMH,
# io.federa.manager.poll.PollReadBenchmark in the manager's test sources, with JMH's allocation
# profiler): time per answer and bytes allocated per answer, over the answers of AGENTS agents of
# VMS VMs each, read in turn.
#   bench/poll-read-jmh.sh [ROUNDS] [AGENTS] [VMS]
# With BASE=<commit>, the same benchmark also runs on that commit's manager, built in a temporary
# worktree, the two builds alternating one JMH fork each round (this build first); every round is
# printed, then the median of each side.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
agents=${2:-1000}
vms=${3:-10}

run=$(mktemp -d /tmp/federa-poll-read.XXXXXX)
cleanup() {
  if [ -d "$run/base" ]; then git worktree remove --force "$run/base" >/dev/null 2>&1 || true; fi
  rm -rf "$run"
}
trap cleanup EXIT
# package, not install: nothing is written to ~/.m2.
mvn -B -q -ntp -Dstyle.color=never -DskipTests package dependency:build-classpath -pl manager -am \
    -Dmdep.includeScope=test -Dmdep.outputFile="$run/cp.txt" >/dev/null
deps=$(cat "$run/cp.txt")
builds=("this:manager/target/classes")
if [ -n "${BASE:-}" ]; then
  git worktree add --detach "$run/base" "$BASE" >/dev/null 2>&1
  (cd "$run/base" && mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl manager -am >/dev/null)
  builds+=("$(git rev-parse --short "$BASE"):$run/base/manager/target/classes")
fi

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load: $(uptime | sed 's/.*load average: //')"
echo "answers: $agents agents × $vms VMs, read in turn; 3 warm-up and 5 measured iterations of 2 s per fork"
: >"$run/all.txt"
for r in $(seq 1 "$rounds"); do
  for b in "${builds[@]}"; do
    name=${b%%:*}
    classes=${b#*:}
    # The build's own classes come first, so that the benchmark (compiled here) reads with them.
    timeout "${BENCH_TIMEOUT:-1800}" java -cp "$classes:manager/target/test-classes:$deps" org.openjdk.jmh.Main \
        'io.federa.manager.poll.PollReadBenchmark' -f 1 -wi 3 -w 2s -i 5 -r 2s -p agents="$agents" -p vms="$vms" \
        -prof gc -jvmArgs '-Xms512m -Xmx512m' -rf csv -rff "$run/r.csv" >"$run/jmh.log" 2>&1 \
      || { cat "$run/jmh.log"; exit 1; }
    # CSV: "Benchmark","Mode","Threads","Samples","Score","Score Error (99.9%)","Unit",...
    awk -F, -v name="$name" -v r="$r" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
      { gsub(/"/, "") }
      $1 ~ /read$/ { t = $5; te = $6 }
      $1 ~ /gc.alloc.rate.norm$/ { a = $5; ae = $6 }
      END { printf "round %d  %-8s %8.2f ± %-6.2f µs/answer  %9.0f ± %-6.0f B/answer  (load %s)\n", r, name, t, te, a, ae, load }
    ' "$run/r.csv" | tee -a "$run/all.txt"
  done
done
echo "median over the rounds:"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for b in "${builds[@]}"; do
  name=${b%%:*}
  t=$(awk -v name="$name" '$3 == name { print $4 }' "$run/all.txt" | median)
  a=$(awk -v name="$name" '$3 == name { print $8 }' "$run/all.txt" | median)
  printf "  %-8s %8.2f µs/answer  %9.0f B/answer\n" "$name" "$t" "$a"
done
