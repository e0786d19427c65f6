#!/usr/bin/env bash
# Two builds of the manager polling the same simulated fleet, in alternating runs (A, B, A, B …)
# of bench/manager-fleet-poll.sh, so that a machine whose load changes during the comparison
# weighs on both sides alike. Prints every run's figures, then for each pair the ratio B/A of the
# manager's CPU and of its p99 staleness, and the median of those ratios.
#
#   bench/manager-fleet-compare.sh A_JAR B_JAR [PAIRS] [AGENTS] [VMS] [WINDOW] [WARMUP]
# (defaults: 2 pairs, 1000 agents, 10 VMs, 60 s window, 30 s warm-up). Build the bench module
# first (bench/manager-fleet-poll.sh builds it), or let this script build it once.
set -euo pipefail
cd "$(dirname "$0")/.."
a_jar=$1
b_jar=$2
pairs=${3:-2}
agents=${4:-1000}
vms=${5:-10}
window=${6:-60}
warmup=${7:-30}
for j in "$a_jar" "$b_jar"; do [ -f "$j" ] || { echo "no such jar: $j" >&2; exit 2; }; done
if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl manager,bench -am
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for p in $(seq 1 "$pairs"); do
  for side in A B; do
    jar=$a_jar; [ "$side" = B ] && jar=$b_jar
    echo "== pair $p, side $side ($jar), load $(cut -d' ' -f1-3 /proc/loadavg)"
    SKIP_BUILD=1 MANAGER_JAR="$jar" bench/manager-fleet-poll.sh "$agents" "$vms" "$window" "$warmup" | tee "$out/$p-$side"
  done
done
echo
echo "pair  side  manager CPU (cores)  event loops  GC and VM  staleness p99 (ms)  good polls/s"
for p in $(seq 1 "$pairs"); do
  for side in A B; do
    f=$out/$p-$side
    cpu=$(sed -n 's/^manager CPU *\([0-9.]*\) cores.*/\1/p' "$f")
    loops=$(sed -n 's/.*event loops \([0-9.]*\).*/\1/p' "$f")
    gc=$(sed -n 's/.*GC and VM \([0-9.]*\).*/\1/p' "$f")
    p99=$(sed -n 's/^staleness.* p99 \([0-9]*\) ms.*/\1/p' "$f")
    good=$(sed -n 's/^good polls *\([0-9.]*\) .*/\1/p' "$f")
    printf "%4s  %4s  %19s  %11s  %9s  %18s  %12s\n" "$p" "$side" "$cpu" "$loops" "$gc" "$p99" "$good"
    echo "$p $side $cpu $p99" >>"$out/table"
  done
done
awk '{ cpu[$1, $2] = $3; p99[$1, $2] = $4; n = $1 > n ? $1 : n }
  END { for (p = 1; p <= n; p++) printf "%d %.3f %.3f\n", p, cpu[p, "B"] / cpu[p, "A"], p99[p, "B"] / p99[p, "A"] }' \
  "$out/table" >"$out/ratios"
while read -r p c s; do echo "pair $p: CPU B/A $c, p99 staleness B/A $s"; done <"$out/ratios"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "median of the per-pair ratios: CPU $(cut -d' ' -f2 "$out/ratios" | median), p99 staleness $(cut -d' ' -f3 "$out/ratios" | median)"
