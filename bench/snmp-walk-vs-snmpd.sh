#!/usr/bin/env bash
# Benchmark, pair by pair in one run: the MR agent's vmTable with ROWS VMs (default 5000) walked by
# net-snmp's snmpbulkwalk, and net-snmp's own snmpd serving an ifTable of as many rows (interfaces
# made in a private network namespace), walked by the same client with the same options. Both
# sides use SNMPv3 authPriv with the same protocols: HMAC-SHA-256 and AES-128 (the agent offers
# SHA-2 and AES only, docs/snmp.md; snmpd's usmUser is made with `createUser U SHA-256 A AES P`).
# After WARMUP warm-up pairs (default 20; bench/lib/snmpwalk.sh says why), PAIRS pairs (default 9)
# alternate agent, snmpd, agent, snmpd …
# with both processes running throughout, so that whatever else loads the machine falls on both
# alike. Prints every pair (both times, varbinds/s of each, agent/snmpd), the median of the
# per-pair ratios, and the load average at the start and the end.
# Fails when a process under test dies, a walk fails, answers a different number of varbinds, or
# takes longer than WALK_TIMEOUT seconds (default 60).
# Needs root (network namespace) and Debian's snmpd and iproute2.
#   bench/snmp-walk-vs-snmpd.sh [ROWS] [PAIRS]
# Environment: SKIP_BUILD=1 to use the jar already built, MVN_FLAGS, AGENT_JAVA_OPTS (e.g. a
# flight recording: -XX:StartFlightRecording=filename=/tmp/walk.jfr,settings=profile),
# SAMPLE_INTERVAL (the agent's, default 5s), AGENT_JAR (another build of the agent to compare with,
# default mr-agent/target/mr-agent.jar), WARMUP (warm-up pairs, default 20), THREADS=1 (the agent's
# busiest threads during each walk).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000}
pairs=${2:-9}
. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
bench_build mr-agent

run=$(mktemp -d /tmp/federa-snmp.XXXXXX)
user=bench; auth=bench-auth-pass; priv=bench-priv-pass
export MIBS=
. bench/lib/snmpwalk.sh
agent=""
cleanup() {
  local status=$?
  if [ -n "$agent" ]; then kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; fi
  snmpd_stop
  if [ "$status" -ne 0 ]; then print_failed_logs "$run"; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the MR agent, libvirt's test driver with $rows VMs --------------------------------------
# The agent reads at most 256 KiB of configuration (ConfigYaml), some 2,500 VMs of the test node:
# the node is seeded in parts of 2,000 VMs, each by an agent started on a data directory of its
# own and stopped once ready, and the parts' domains (one file each, TestDriverState) are then
# put together in one data directory, which the agent under test opens as its seeded state.
agent_config() { # DATA_DIR FIRST LAST
  cat <<YAML
host: { id: bench-host, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 4096
    memoryMiB: 67108864
    storageGiB: 1000000
    vms:
YAML
  for i in $(seq "$2" "$3"); do
    echo "      - { name: vm-$i, application: app-$((i % 10)), service: svc-$((i % 3)), vcpus: 1, memoryMiB: 256, diskGiB: 1 }"
  done
  cat <<YAML
capacity: { networkMbps: 10000 }
cost: { currency: EUR, perCpuSecond: 0.00001, perStorageGiBHour: 0.0001, perNetworkGB: 0.01, perNetworkPacket: 0.0000001 }
jolokia: { address: 127.0.0.1, port: 0, users: [ { name: bench, password: bench-password } ] }
metrics: { address: 127.0.0.1, port: 0 }
snmp: { address: 127.0.0.1, port: 0, users: [ { name: $user, auth: SHA-256, authPassword: $auth, priv: AES-128, privPassword: $priv } ] }
dataDir: $1
sampleInterval: ${SAMPLE_INTERVAL:-5s}
YAML
}
part=2000
for first in $(seq "$((part + 1))" "$part" "$rows"); do
  last=$((first + part - 1 < rows ? first + part - 1 : rows))
  agent_config "$run/part-$first" "$first" "$last" >"$run/part-$first.yaml"
  java -Xmx1g -jar mr-agent/target/mr-agent.jar "$run/part-$first.yaml" >"$run/part-$first.log" 2>&1 &
  agent=$!
  await_ready "$agent" "$run/part-$first.log" 180
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
done
agent_config "$run/data" 1 "$((rows < part ? rows : part))" >"$run/agent.yaml"
if [ "$rows" -gt "$part" ]; then
  java -Xmx1g -jar mr-agent/target/mr-agent.jar "$run/agent.yaml" >"$run/part-1.log" 2>&1 &
  agent=$!
  await_ready "$agent" "$run/part-1.log" 180
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
  for d in "$run"/part-*/; do
    cp -a "$d/test-driver/domains/." "$run/data/test-driver/domains/"
    cp -a "$d/vms/." "$run/data/vms/"
    rm -rf "$d"
  done
fi
# shellcheck disable=SC2086
java -Xmx1g ${AGENT_JAVA_OPTS:-} -jar "${AGENT_JAR:-mr-agent/target/mr-agent.jar}" "$run/agent.yaml" >"$run/agent.log" 2>&1 &
agent=$!

# --- snmpd in a network namespace with $rows interfaces (lo and rows-1 … rows veth ends) --------
snmpd_start "$rows"

await_ready "$agent" "$run/agent.log" 180
addr=$(sed -n 's/.* snmp udp:\([0-9.]*\)\/\([0-9]*\) .*/udp:\1:\2/p' "$run/agent.log")
[ -n "$addr" ] || { echo "the agent's log names no SNMP address" >&2; exit 1; }
require_running "$snmpd_pid" snmpd

walk_sides agent "$agent" "$addr" 1.3.6.1.2.1.236.1.4
echo "machine: $(nproc) cores; client: $(snmpbulkwalk -V 2>&1); load average at the start: $(load_average)"
walk_pairs "$pairs" "the agent's vmTable ($rows VMs) and snmpd's ifTable ($(snmpd_interfaces) interfaces)"
echo "load average at the end: $(load_average)"
