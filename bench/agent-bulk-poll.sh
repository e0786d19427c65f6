#!/usr/bin/env bash
# Benchmark: the manager's poll of one MR agent holding VMS VMs (default 1000) on libvirt's test
# driver (docs/benchmarks.md, "The manager's poll of one agent").
#
# The poll is the manager's own (JolokiaPollParser.POLL, without a lease renewal): one bulk request
# reading federa:type=Host (every attribute) and federa:type=VirtualMachine,* with the twelve VM
# attributes the manager keeps. Two agent processes on the same configuration: A answers the poll
# from its fast path, B with the fast path switched off (-Dfedera.agent.jolokia.fastPoll=false),
# through Jolokia. BulkPollBenchmark warms each agent up with WARMUP polls, then runs PAIRS pairs of
# rounds, A, B, A, B …, each of COUNT polls back to back over one kept-alive connection (after 20
# more); while one agent is measured, the other is stopped (SIGSTOP). Every round prints p50/p90/p99/max, the answer's size, the agent's CPU time
# per poll (utime + stime from /proc/PID/stat, its sampler included) and the load average; the end
# prints the median of the per-pair ratios B/A. Then PACED polls (default 30) of A, then of B, one
# second apart, as the manager polls: nearly each is the first poll of a new sample.
#
#   bench/agent-bulk-poll.sh [VMS] [COUNT]
# Environment: PAIRS (3), WARMUP (500), PACED (30), SKIP_BUILD=1 to use the jars already built.
# Exits non-zero if an agent dies, does not get ready, or leaves a poll unanswered for 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
vms=${1:-1000}
count=${2:-600}
pairs=${PAIRS:-3}
warmup=${WARMUP:-500}
paced=${PACED:-30}

# The benchmark's copy of the manager's VM attributes must be the manager's list.
manager_attrs=$(sed -n '/List<String> ATTRIBUTES = /,/;$/p' manager/src/main/java/io/federa/manager/poll/JolokiaPollParser.java \
  | grep -o '"[A-Z][A-Za-z]*"' | tr -d '"' | tr '\n' ' ')
bench_attrs=$(sed -n '/VM_ATTRIBUTES = /,/;$/p' mr-agent/src/test/java/io/federa/agent/bench/BulkPollBenchmark.java \
  | grep -o '"[A-Z][A-Za-z]*"' | tr -d '"' | tr '\n' ' ')
if [ -z "$manager_attrs" ] || [ "$manager_attrs" != "$bench_attrs" ]; then
  echo "the manager polls the VM attributes [$manager_attrs] but BulkPollBenchmark sends [$bench_attrs]: update its copy" >&2
  exit 1
fi

. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
# package only (test classes compiled too), with the modules it needs, into the target folders: never install.
bench_build mr-agent

run=$(mktemp -d /tmp/federa-bulk-poll.XXXXXX)
: >"$run/pids"
stop() {
  while read -r p; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done <"$run/pids"
  for _ in $(seq 1 50); do
    alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$run/pids"
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$run/pids"
  rm -rf "$run"
}
trap stop EXIT

for side in a b; do
  {
    cat <<YAML
host: { id: bench-$side, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
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
dataDir: $run/$side-data
sampleInterval: 1s
YAML
  } >"$run/$side.yaml"
done

start_agent() { # NAME FAST_POLL -> "PID URL"; fails if the agent dies or is not ready within 90 s
  java -Xmx512m -Dfedera.agent.jolokia.fastPoll="$2" ${AGENT_JAVA_OPTS:-} -jar mr-agent/target/mr-agent.jar \
    "$run/$1.yaml" >"$run/$1.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$run/pids"
  for _ in $(seq 1 900); do
    grep -qs ' ready ' "$run/$1.log" && break
    kill -0 "$pid" 2>/dev/null || { echo "agent $1 died while starting:" >&2; tail -20 "$run/$1.log" >&2; exit 1; }
    sleep 0.1
  done
  local url
  url=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "$url" ] || { echo "agent $1 not ready after 90 s:" >&2; tail -20 "$run/$1.log" >&2; exit 1; }
  echo "$pid $url"
}

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
read -r pid_a url_a < <(start_agent a true)
read -r pid_b url_b < <(start_agent b false)
[ -n "${pid_a:-}" ] && [ -n "${pid_b:-}" ] || exit 1
cp="mr-agent/target/test-classes:mr-agent/target/mr-agent.jar:$(ls mr-agent/target/lib/*.jar | tr '\n' ':')"
if ! timeout "${BENCH_TIMEOUT:-1800}" java -cp "$cp" io.federa.agent.bench.BulkPollBenchmark "$url_a" "$pid_a" "$url_b" "$pid_b" bench bench-password \
    "$pairs" "$warmup" "$count" "$vms" "$(getconf CLK_TCK)" "$paced"; then
  for side in a b; do echo "--- agent $side: last lines" >&2; tail -5 "$run/$side.log" >&2; done
  exit 1
fi
