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
# Environment: SKIP_BUILD=1 to use the jars already built; DATA_MIB.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-10}
data_mib=${DATA_MIB:-256}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001

if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl mr-agent,manager,bench
fi

run=$(mktemp -d /tmp/federa-migration.XXXXXX)
: >"$run/pids"
manager=""
stop() {
  [ -n "$manager" ] && kill "$manager" 2>/dev/null || true
  while read -r p; do kill "$p" 2>/dev/null || true; done <"$run/pids"
  for _ in $(seq 1 50); do
    alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$run/pids"
    [ -n "$manager" ] && kill -0 "$manager" 2>/dev/null && alive=1
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
}
trap 'stop; echo "logs: $run"' EXIT

# The demo host's configuration without its VMs, under another id, every port ephemeral, its own
# data directory. Jolokia's port is fixed once the agent has chosen one, so that a restarted agent
# comes back at the same address.
agent_yaml() { # ID TEMPLATE
  sed -E -e '/^    vms:$/,/^[^ ]|^    [a-z]/{/^    vms:$/d;/^      - /d}' \
    -e 's/^  port: (97|161|87)[0-9]+$/  port: 0/' \
    -e "0,/^  id: .*/s//  id: $1/" \
    -e "s|^dataDir: .*|dataDir: $run/$1-data|" \
    "demo/$2.yaml" >"$run/$1.yaml"
}

# Starts agent ID from $run/ID.yaml; waits for its ready line; prints its pid and Jolokia port.
start_agent() {
  java -Xmx256m -jar mr-agent/target/mr-agent.jar "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$run/pids"
  for _ in $(seq 1 600); do grep -qs ' ready ' "$run/$1.log" && break; sleep 0.1; done
  local url
  url=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "$url" ] || { cat "$run/$1.log"; exit 1; }
  local port=${url#http://127.0.0.1:}
  echo "$pid ${port%%/*}"
}

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run directory: $run"
: >"$run/agents"
for id in host-1 host-2 host-3 host-4 host-5; do
  if [ "$id" = host-3 ]; then template=host-3; password=demo-password-3; else template=host-2; password=demo-password-2; fi
  agent_yaml "$id" "$template"
  read -r pid port < <(start_agent "$id") || true
  [ -n "${port:-}" ] || { echo "agent $id did not start: $(tail -5 "$run/$id.log")"; exit 1; }
  sed -i -E "/^jolokia:$/,/^[a-z]/s/^  port: 0$/  port: $port/" "$run/$id.yaml"
  echo "$id $port $password $pid $run/$id.yaml $run/$id.log" >>"$run/agents"
  echo "agent $id: pid $pid, jolokia 127.0.0.1:$port, $(grep -c '^      - ' "$run/$id.yaml" || true) VMs configured"
done

{
  echo "agents:"
  while read -r id port password _; do
    echo "  - { name: $id, address: 127.0.0.1, port: $port, user: federa, password: $password }"
  done <"$run/agents"
  cat <<YAML
poll:
  interval: 1s
  missedPollsAllowed: 2
store:
  file: $run/manager/federa
api:
  address: 127.0.0.1
  port: 0
tokens:
  - { name: noc, token: $viewer, role: viewer }
  - { name: ops, token: $operator, role: operator }
migration:
  settle: 1s
YAML
} >"$run/manager.yaml"
java -Xmx256m -jar manager/target/manager.jar "$run/manager.yaml" >"$run/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -qs ' ready ' "$run/manager.log" && break; sleep 0.2; done
api=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/manager.log")
[ -n "$api" ] || { cat "$run/manager.log"; exit 1; }
echo "manager: pid $manager, api $api"

mkdir -p bench/target
status=0
java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.MigrationDowntimeProbe --api "$api" \
  --viewer-token "$viewer" --operator-token "$operator" --runs "$runs" --data-mib "$data_mib" --run-dir "$run" \
  --definitions examples/shop.yaml --summary bench/target/migration-downtime-summary.txt \
  --settings "poll 1s, settle 1s; 5 agents (4 local, 1 offsite), shop from examples/shop.yaml" \
  || status=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -hiE 'exception|error' "$run/manager.log" | head -5 || true
exit "$status"
