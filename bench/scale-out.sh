#!/usr/bin/env bash
# Benchmark: scale-out by the manager's own scaling rule, end to end on libvirt's test driver.
# Six MR agent processes with no VMs (host-1, host-2, host-4, host-5, host-6: secure local hosts
# derived from demo/host-2.yaml; host-3: the offsite host derived from demo/host-3.yaml), so that
# every added web instance is a new placement (define + start), never the takeover of a demo VM,
# and always has room: web replicas spread over distinct hosts and never beside payment. One
# manager process (poll every POLL, default 1s; lifecycle defaults). The shop (examples/shop.yaml)
# is applied with the web policy's hold `for: 0s` (so the time measured is the system's reaction,
# not a hold the policy chose), cooldown COOLDOWN (default 2s), scaleInWindow WINDOW (default 2s),
# min 2, max 6, and started. Then RUNS times (default 50) ScaleOutProbe (bench module):
#   waits out the cooldown since the last scaling decision and a random pause of 0-1 s (so the
#   load rises anywhere in the poll and reconcile cycles), records t0, sets the simulated CPU load
#   of every RUNNING web VM to HIGH (default 0.95; Jolokia exec simulateLoad, which makes the agent
#   sample at once), polls GET /api/v1/vms every 50 ms until a web VM that was not there is RUNNING
#   (t1), then sets the load to LOW (default 0.05) and waits until the manager is back to 2 web
#   instances, the added one gone, converged.
# Prints each run and p50/p90/p99/max (nearest rank) of t1 - t0, split with the manager's events
# (scaling decision, define + start steps), and writes the summary to
# bench/target/scale-out-summary-POLL.txt (POLL-for-HOLD.txt with a hold other than 0s; the
# processes' logs stay in the run directory it names).
#
#   bench/scale-out.sh [RUNS]
# Environment: SKIP_BUILD=1 to use the jars already built, MVN_FLAGS, BENCH_TIMEOUT (seconds for the
# probe, default 7200: past it the run fails as hung); POLL, COOLDOWN, WINDOW, HOLD (default
# 0s), HIGH, LOW.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
poll=${POLL:-1s}
cooldown=${COOLDOWN:-2s}
window=${WINDOW:-2s}
hold=${HOLD:-0s}
high=${HIGH:-0.95}
low=${LOW:-0.05}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001

. bench/lib/fleet.sh
bench_build mr-agent,manager,bench
fleet_init scale-out
start_fleet host-1 host-2 host-3 host-4 host-5 host-6
start_manager "$poll" ""

# The example's web policy with the hold at HOLD and short cooldown and scale-in window.
sed -e "s/^      for: 30s$/      for: $hold/" -e "s/^      cooldown: 60s$/      cooldown: $cooldown/" \
  -e "s/^      scaleInWindow: 5m$/      scaleInWindow: $window/" examples/shop.yaml >"$run/shop.yaml"
grep -q "for: $hold" "$run/shop.yaml" && grep -q "cooldown: $cooldown" "$run/shop.yaml" \
  && grep -q "scaleInWindow: $window" "$run/shop.yaml" || { echo "examples/shop.yaml's web policy has changed"; exit 1; }

cooldown_ms=$(echo "$cooldown" | sed -E 's/^([0-9]+)ms$/\1/; s/^([0-9]+)s$/\1000/')
mkdir -p bench/target
status=0
timeout "${BENCH_TIMEOUT:-7200}" java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.ScaleOutProbe --api "$api" \
  --viewer-token "$viewer" --operator-token "$operator" --runs "$runs" --agents-file "$run/agents" \
  --definitions "$run/shop.yaml" --high "$high" --low "$low" --cooldown-ms "$cooldown_ms" \
  --summary "bench/target/scale-out-summary-$poll$([ "$hold" = 0s ] || echo "-for-$hold").txt" \
  --settings "poll $poll; web policy: scaleOutAbove 0.75, scaleInBelow 0.25, for $hold, cooldown $cooldown, scaleInWindow $window, min 2, max 6; load $high / $low; 6 empty agents (5 local, 1 offsite), shop from examples/shop.yaml" \
  || status=$?
fleet_report
exit "$status"
