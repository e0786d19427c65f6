#!/usr/bin/env bash
# Benchmark: a service's downtime while its VMs move with their data, end to end on libvirt's
# test driver. Five MR agent processes with no VMs (host-1, host-2, host-4, host-5: secure local
# hosts derived from demo/host-2.yaml; host-3: the offsite host derived from demo/host-3.yaml) and
# one manager process (poll every 1 s; migration settle 1 s). The shop (examples/shop.yaml) is
# applied and started; MigrationDowntimeProbe (bench module) writes DATA_MIB (default 256) MiB of
# random data into catalog-db-1, payment-1 and web-1, then RUNS times (default 10) moves each of
# them (POST /api/v1/migrations, placement choosing the destination), polling the migration and
# the shop every 50 ms. Per application it prints p50/p99 of the VM's outage (stopped at the source
# → running at the destination), of the time the shop was DOWN, and of the whole move; the summary
# goes to bench/target/migration-downtime-summary.txt.
#
#   bench/migration-downtime.sh [RUNS]
# Environment: SKIP_BUILD=1 to use the jars already built, MVN_FLAGS, BENCH_TIMEOUT (seconds for the
# probe, default 7200: past it the run fails as hung); DATA_MIB.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-10}
data_mib=${DATA_MIB:-256}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001

. bench/lib/fleet.sh
bench_build mr-agent,manager,bench
fleet_init migration
start_fleet host-1 host-2 host-3 host-4 host-5
start_manager "1s" "migration:
  settle: 1s
"

mkdir -p bench/target
status=0
timeout "${BENCH_TIMEOUT:-7200}" java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.MigrationDowntimeProbe --api "$api" \
  --viewer-token "$viewer" --operator-token "$operator" --runs "$runs" --data-mib "$data_mib" --run-dir "$run" \
  --definitions examples/shop.yaml --summary bench/target/migration-downtime-summary.txt \
  --settings "poll 1s, settle 1s; 5 agents (4 local, 1 offsite), shop from examples/shop.yaml" \
  || status=$?
fleet_report
exit "$status"
