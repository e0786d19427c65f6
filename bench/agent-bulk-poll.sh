#!/usr/bin/env bash
# Benchmark: one MR agent holding N VMs (default 1000) on libvirt's test driver, polled the way the
# manager polls it — one Jolokia bulk read of the Host and every VirtualMachine — back to back.
# Reports client-side latency (p50, p90, p99, max) and the response size.
#   bench/agent-bulk-poll.sh [VMS] [REQUESTS]
# Environment: SKIP_BUILD=1, MVN_FLAGS, AGENT_JAVA_OPTS, BENCH_TIMEOUT (seconds, default 1800).
set -euo pipefail
cd "$(dirname "$0")/.."
vms=${1:-1000}
requests=${2:-2000}
. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
bench_build mr-agent package test-compile

run=$(mktemp -d /tmp/federa-bulk-poll.XXXXXX)
agent=""
trap 'kill $agent 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"' EXIT
{
  cat <<YAML
host: { id: bench-host, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 1024
    memoryMiB: 1048576
    storageGiB: 100000
    vms:
YAML
  for i in $(seq 1 "$vms"); do
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

java -Xmx512m ${AGENT_JAVA_OPTS:-} -jar mr-agent/target/mr-agent.jar "$run/agent.yaml" >"$run/agent.log" 2>&1 &
agent=$!
await_ready "$agent" "$run/agent.log" 60
url=$(sed -n 's/.* jolokia \(http[^ ]*\) .*/\1/p' "$run/agent.log")
metrics=$(sed -n 's/.* metrics \(http[^ ]*\) .*/\1/p' "$run/agent.log")
[ -n "$url" ] || { cat "$run/agent.log"; exit 1; }

cp="mr-agent/target/test-classes:mr-agent/target/mr-agent.jar:$(ls mr-agent/target/lib/*.jar | tr '\n' ':')"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
timeout "${BENCH_TIMEOUT:-1800}" java -cp "$cp" io.federa.agent.bench.BulkPollBenchmark "$url" bench bench-password 200 "$requests" "$vms"
require_running "$agent" "the agent"
sample=$(curl -s "$metrics" | sed -n 's/^mr_agent_sample_duration_seconds{[^}]*} //p')
echo "  the agent's last full read of libvirt ($vms VMs) took ${sample} s"
