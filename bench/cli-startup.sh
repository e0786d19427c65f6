#!/usr/bin/env bash
# federa's start-up: RUNS (default 20) calls of `bin/federa status shop` against a running demo
# (./demo.sh), each timed from fork to exit, in pairs: the JVM as bin/federa starts it (the
# class-data-sharing archive, the JIT's first tier) and as before (FEDERA_CDS=off: no archive, no
# flag), alternating so that both meet the same load. Prints every run, then p50, p90, min and
# max of each, and the load average before and after (docs/benchmarks.md, "federa's start-up").
#
#   bench/cli-startup.sh [RUNS]
# Reads FEDERA_URL, FEDERA_TOKEN, FEDERA_CACERT; without them, the demo's (TLS if it made certificates).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
case "$runs" in
  ''|*[!0-9]*) echo "bench: RUNS must be a whole number, got '$runs'" >&2; exit 2 ;;
esac
export FEDERA_TOKEN=${FEDERA_TOKEN:-demo-viewer-token-0001}
if [ -z "${FEDERA_URL:-}" ]; then
  if [ -f target/demo/certs/ca.pem ]; then
    export FEDERA_URL=https://127.0.0.1:8080 FEDERA_CACERT="$PWD/target/demo/certs/ca.pem"
  else
    export FEDERA_URL=http://127.0.0.1:8080
  fi
fi
# Once untimed: it checks the demo answers, and writes the archive if this build has none yet.
bin/federa status shop >/dev/null || { echo "bench: federa status shop failed: is the demo running (./demo.sh)?" >&2; exit 1; }

ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null
  t1=$(date +%s%N)
  echo $(((t1 - t0) / 1000000))
}
# Nearest rank: p50 is the 10th of 20 sorted, p90 the 18th.
stats() {
  sort -n | awk '{a[NR] = $1} END {
    r50 = int(NR * 0.5); if (r50 < NR * 0.5) r50++; r90 = int(NR * 0.9); if (r90 < NR * 0.9) r90++;
    printf "p50 %d ms  p90 %d ms  min %d ms  max %d ms  (%d runs)\n", a[r50], a[r90], a[1], a[NR], NR }'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) CPUs"
before=()
after=()
for i in $(seq 1 "$runs"); do
  b=$(ms env FEDERA_CDS=off bin/federa status shop)
  a=$(ms bin/federa status shop)
  before+=("$b")
  after+=("$a")
  printf 'run %2d  before %5d ms  after %5d ms  load %s\n' "$i" "$b" "$a" "$(cut -d' ' -f1 /proc/loadavg)"
done
echo "load average after:  $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'before (FEDERA_CDS=off): %s\n' "$(printf '%s\n' "${before[@]}" | stats)"
printf 'after  (bin/federa):     %s\n' "$(printf '%s\n' "${after[@]}" | stats)"
