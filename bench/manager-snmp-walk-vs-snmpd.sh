#!/usr/bin/env bash
# Benchmark, pair by pair in one run: the manager's instance table (FEDERA-MANAGER-MIB's
# federaMgrInstanceTable) with ROWS instances (default 10000) walked by net-snmp's snmpbulkwalk,
# and net-snmp's own snmpd serving an ifTable of as many rows (bench/lib/snmpwalk.sh), walked by the
# same client with the same options, SNMPv3 authPriv with HMAC-SHA-256 and AES-128 on both sides.
#
# The instances are the manager's own: a simulated fleet of HOSTS agents (default 200; one
# AgentSimulator process with --lifecycle true, which keeps the leases it is given and carries out
# the manager's define and start commands), one service of ten applications of ROWS/10 replicas
# (1 vCPU, 256 MiB, 1 GiB each, replicas not spread) applied through the API and started; the manager places every
# instance, records it, and defines and starts its VM on a simulated host, which then reports it
# at each poll. The walks begin once the table has ROWS rows and the service is up. The manager
# keeps polling its fleet every second and reconciling throughout, as it would in service.
#
# After WARMUP warm-up pairs (default 20; bench/lib/snmpwalk.sh says why), PAIRS pairs (default 9)
# alternate manager, snmpd, manager, snmpd …
# with both processes running throughout. Prints every pair (both times, varbinds/s of each,
# manager/snmpd), the median of the per-pair ratios, and the load average at the start and the
# end. Fails when a process under test dies, a walk fails, answers a different number of
# varbinds, or takes longer than WALK_TIMEOUT seconds (default 60), or when the instances are not
# all up within PLACE_TIMEOUT seconds (default 900).
# Needs root (network namespace) and Debian's snmp, snmpd and iproute2.
#   bench/manager-snmp-walk-vs-snmpd.sh [ROWS] [PAIRS] [HOSTS]
# Environment: SKIP_BUILD=1 to use the jars already built, MVN_FLAGS, MANAGER_JAVA_OPTS (default
# -Xmx1g; e.g. a flight recording: -XX:StartFlightRecording=filename=/tmp/mgr.jfr,settings=profile),
# MANAGER_JAR (another build of the manager to compare with, default manager/target/manager.jar),
# WARMUP (warm-up pairs, default 20), THREADS=1 (the manager's busiest threads during each walk).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000}
pairs=${2:-9}
hosts=${3:-200}
[ $((rows % 10)) = 0 ] && [ "$rows" -ge 10 ] && [ "$rows" -le 10000 ] \
  || { echo "ROWS must be a multiple of 10 from 10 to 10000 (ten applications of at most 1,000 replicas)" >&2; exit 2; }
operator=bench-operator-token-0001

. bench/lib/processes.sh
if [ -z "${SKIP_BUILD:-}" ]; then
  command -v snmpbulkwalk >/dev/null 2>&1 && [ -x /usr/sbin/snmpd ] || scripts/install-deps.sh
fi
bench_build manager,bench

run=$(mktemp -d /tmp/federa-mgr-snmp.XXXXXX)
user=bench; auth=bench-auth-pass; priv=bench-priv-pass
export MIBS=
. bench/lib/snmpwalk.sh
. bench/lib/simulators.sh
sim=""
manager=""
cleanup() {
  local status=$?
  for p in $manager $sim; do kill "$p" 2>/dev/null || true; done
  for p in $manager $sim; do wait "$p" 2>/dev/null || true; done
  snmpd_stop
  if [ "$status" -ne 0 ]; then print_failed_logs "$run"; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the simulated fleet and the manager ---------------------------------------------------------
sim_opts="-Xmx512m -XX:+UseSerialGC"
sim_args="--lifecycle true"
STATE_CHANGES=0 start_simulators "$hosts" 0 "$hosts"
{
  echo "agents:"
  while read -r name port; do
    echo "  - { name: $name, address: 127.0.0.1, port: $port, user: bench, password: bench-password }"
  done <"$run/ports"
  cat <<YAML
poll:
  interval: 1s
  missedPollsAllowed: 3
lifecycle:
  cpuOvercommit: 4
store:
  file: $run/store/federa
api:
  address: 127.0.0.1
  port: 0
tokens:
  - { name: bench, token: $operator, role: operator }
snmp:
  address: 127.0.0.1
  port: 0
  users:
    - { name: $user, auth: SHA-256, authPassword: $auth, priv: AES-128, privPassword: $priv }
  notify: []
YAML
  # The demo's lease-signing key (the simulated agents keep any lease without checking it).
  sed -n '/^lease:/,$p' demo/manager.yaml
} >"$run/manager.yaml"
# shellcheck disable=SC2086
java -XX:+ExitOnOutOfMemoryError ${MANAGER_JAVA_OPTS:--Xmx1g} -jar "${MANAGER_JAR:-manager/target/manager.jar}" \
  "$run/manager.yaml" >"$run/manager.log" 2>&1 &
manager=$!
await_ready "$manager" "$run/manager.log" 120
api=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/manager.log")
addr=$(sed -n 's/.* snmp udp:\([0-9.]*\)\/\([0-9]*\) .*/udp:\1:\2/p' "$run/manager.log")
[ -n "$api" ] && [ -n "$addr" ] || { echo "the manager's ready line names no API or SNMP address" >&2; exit 1; }

# Ten applications of ROWS/10 replicas, one service.
{
  echo "applications:"
  for a in $(seq 0 9); do
    cat <<YAML
  - name: app-$a
    runtime: kvm
    resources: { vcpus: 1, memoryMiB: 256, diskGiB: 1 }
    replicas: $((rows / 10))
    minAvailable: 1
    placement: { spreadReplicas: none }
YAML
  done
  echo "services:"
  echo "  - name: fleet"
  echo "    description: $rows instances on $hosts simulated hosts"
  echo "    applications: [$(seq -s ', ' -f 'app-%g' 0 9)]"
} >"$run/fleet.yaml"
call() { # METHOD PATH [BODY-FILE]
  curl -sS -f -X "$1" -H "Authorization: Bearer $operator" ${3:+-H 'Content-Type: application/yaml' --data-binary @"$3"} "${api%/}/$2"
}
call POST definitions "$run/fleet.yaml" >/dev/null
# The manager takes a start once it leads and renews a majority of the fleet's leases (409 before).
for i in $(seq 1 60); do
  status=$(curl -sS -o "$run/start.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $operator" "${api%/}/services/fleet/start")
  [ "$status" = 409 ] || break
  sleep 1
done
[ "${status:0:1}" = 2 ] || { echo "starting the service answered $status: $(head -c 600 "$run/start.json")" >&2; exit 1; }
t0=$SECONDS
instance_table=1.3.6.1.4.1.32473.2.1.5
echo "placing $rows instances on $hosts simulated hosts ..."
# Up: the service's state is up and every row of the table names a RUNNING VM.
until [ "$(call GET services/fleet | sed -n 's/.*"state" *: *"\([a-zA-Z]*\)".*/\1/p' | head -1)" = UP ] \
    && [ "$(snmpbulkwalk "${sec[@]}" "$addr" "$instance_table.1.6" 2>/dev/null | grep -c '"RUNNING"')" = "$rows" ]; do
  require_running "$manager" "the manager"
  simulators_alive
  if [ $((SECONDS - t0)) -ge "${PLACE_TIMEOUT:-900}" ]; then
    echo "the $rows instances were not all up after ${PLACE_TIMEOUT:-900} s: $(call GET services/fleet | head -c 600)" >&2
    exit 1
  fi
  sleep 5
done
echo "  all $rows instances running after $((SECONDS - t0)) s"

# --- snmpd in a network namespace with as many interfaces ----------------------------------------
snmpd_start "$rows"
sleep 2
require_running "$snmpd_pid" snmpd

walk_sides manager "$manager" "$addr" "$instance_table"
echo "machine: $(nproc) cores; client: $(snmpbulkwalk -V 2>&1); load average at the start: $(load_average)"
walk_pairs "$pairs" "the manager's federaMgrInstanceTable ($rows instances, 5 columns) and snmpd's ifTable ($(snmpd_interfaces) interfaces)"
echo "load average at the end: $(load_average)"
require_running "$manager" "the manager"
simulators_alive
