#!/usr/bin/env bash
# Benchmark: how many slow connections without credentials one MR agent holds while the manager's
# polls stay on time. For each level, that many connections on each of the agent's two ports
# (Jolokia; metrics, lease and data), each sending a partial request and then a byte every 8 s,
# spread over loopback addresses under the per-address cap; meanwhile one bulk poll a second, as
# the manager sends it, and one request for the lease statement, as a peer sends it.
#   bench/agent-slow-clients.sh [SECONDS_PER_RUN] [RUNS] [LEVEL…]
# Environment: SKIP_BUILD=1, MVN_FLAGS, AGENT_JAVA_OPTS, BENCH_TIMEOUT (seconds, default 3600).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
runs=${2:-3}
shift $(( $# > 2 ? 2 : $# )) || true
levels=${*:-500 1000 2000 4000}
. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
bench_build e2e

run=$(mktemp -d /tmp/federa-slow-clients.XXXXXX)
agent=""
trap 'kill $agent 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"' EXIT
{
  cat <<YAML
host: { id: bench-host, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 64
    memoryMiB: 262144
    storageGiB: 10000
    vms:
YAML
  for i in $(seq 1 100); do
    echo "      - { name: vm-$i, application: app-$((i % 10)), service: svc-$((i % 3)), vcpus: 1, memoryMiB: 512, diskGiB: 1 }"
  done
  cat <<YAML
capacity: { networkMbps: 10000 }
cost: { currency: EUR, perCpuSecond: 0.00001, perStorageGiBHour: 0.0001, perNetworkGB: 0.01, perNetworkPacket: 0.0000001 }
jolokia: { address: 127.0.0.1, port: 0, users: [ { name: bench, password: bench-password } ] }
metrics: { address: 127.0.0.1, port: 0 }
dataDir: $run/data
sampleInterval: 1s
YAML
} >"$run/agent.yaml"

# Each slow connection is a file descriptor on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
java -XX:+ExitOnOutOfMemoryError -Xmx512m ${AGENT_JAVA_OPTS:-} -jar mr-agent/target/mr-agent.jar "$run/agent.yaml" >"$run/agent.log" 2>&1 &
agent=$!
await_ready "$agent" "$run/agent.log" 60
url=$(sed -n 's/.* jolokia \(http[^ ]*\) .*/\1/p' "$run/agent.log")
metrics=$(sed -n 's/.* metrics \(http[^ ]*\) .*/\1/p' "$run/agent.log")
[ -n "$url" ] || { cat "$run/agent.log"; exit 1; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), open files $(ulimit -n)"
# shellcheck disable=SC2086
timeout "${BENCH_TIMEOUT:-3600}" java -cp e2e/target/test-classes io.federa.e2e.SlowClientsBenchmark "$url" "${metrics%/metrics}" bench bench-password \
  "$seconds" "$runs" $levels
kill -0 "$agent" && echo "the agent is still running" || { echo "the agent died"; tail -20 "$run/agent.log"; exit 1; }
