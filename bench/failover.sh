#!/usr/bin/env bash
# Benchmark: failover, end to end on libvirt's test driver. Five MR agent processes with no VMs
# (host-1, host-2, host-4, host-5: secure local hosts derived from demo/host-2.yaml; host-3: the
# offsite host derived from demo/host-3.yaml) and one manager process (poll every 1 s,
# missedPollsAllowed 2, lifecycle lease 5 s, grace 3 s, leaseMargin 1 s). The shop
# (examples/shop.yaml) is applied and started; then RUNS times (default 20) FailoverProbe (bench
# module):
#   kills with SIGKILL the agent of the host that holds payment-1 (its test-driver VMs die with it),
#   polls GET /api/v1/services/shop every 50 ms until the shop is UP with payment-1 on another host,
#   restarts the agent with the same configuration (its data directory keeps its domains; it
#   fences them), and waits until the returned agent no longer lists the instances moved off it
#   and the shop is UP with nothing waiting.
# An observer lists every agent's VMs every 200 ms (Jolokia) and counts any VM RUNNING on two
# hosts at once. Prints each run, then p50/p90/p99/max (nearest rank) of
#   kill -> UP elsewhere   from just before the kill to the first answer showing the shop UP with
#                          payment-1 on another host
#   shop not UP            from the first answer showing the shop not UP to that same answer
# and writes the summary to bench/target/failover-summary.txt (the processes' logs are kept in
# the run directory it names).
#
#   bench/failover.sh [RUNS]
# Environment: SKIP_BUILD=1 to use the jars already built, MVN_FLAGS, BENCH_TIMEOUT (seconds for the
# probe, default 7200: past it the run fails as hung); LEASE, GRACE, MARGIN, POLL (default 5s,
# 3s, 1s, 1s; a lease must be longer than twice the poll plus the managers' clock skew, 500ms).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-20}
lease=${LEASE:-5s}
grace=${GRACE:-3s}
margin=${MARGIN:-1s}
poll=${POLL:-1s}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001

. bench/lib/fleet.sh
bench_build mr-agent,manager,bench
fleet_init failover
start_fleet host-1 host-2 host-3 host-4 host-5
start_manager "$poll" "lifecycle:
  lease: $lease
  grace: $grace
  leaseMargin: $margin
"

mkdir -p bench/target
status=0
timeout "${BENCH_TIMEOUT:-7200}" java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.FailoverProbe --api "$api" \
  --viewer-token "$viewer" --operator-token "$operator" --runs "$runs" --agents-file "$run/agents" \
  --pids-file "$run/pids" --agent-jar "$root/mr-agent/target/mr-agent.jar" --definitions examples/shop.yaml \
  --summary bench/target/failover-summary.txt \
  --settings "poll $poll, missedPollsAllowed 2, lease $lease, grace $grace, leaseMargin $margin; 5 agents (4 local, 1 offsite), shop from examples/shop.yaml" \
  || status=$?
fleet_report
exit "$status"
