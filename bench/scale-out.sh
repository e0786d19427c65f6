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
# Environment: SKIP_BUILD=1 to use the jars already built; POLL, COOLDOWN, WINDOW, HOLD (default
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

if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl mr-agent,manager,bench
fi

run=$(mktemp -d /tmp/federa-scale-out.XXXXXX)
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
# data directory.
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
for id in host-1 host-2 host-3 host-4 host-5 host-6; do
  if [ "$id" = host-3 ]; then template=host-3; password=demo-password-3; else template=host-2; password=demo-password-2; fi
  agent_yaml "$id" "$template"
  read -r pid port < <(start_agent "$id") || true
  [ -n "${port:-}" ] || { echo "agent $id did not start: $(tail -5 "$run/$id.log")"; exit 1; }
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
  interval: $poll
  missedPollsAllowed: 2
store:
  file: $run/manager/federa
api:
  address: 127.0.0.1
  port: 0
tokens:
  - { name: noc, token: $viewer, role: viewer }
  - { name: ops, token: $operator, role: operator }
YAML
} >"$run/manager.yaml"

# The example's web policy with the hold at HOLD and short cooldown and scale-in window.
sed -e "s/^      for: 30s$/      for: $hold/" -e "s/^      cooldown: 60s$/      cooldown: $cooldown/" \
  -e "s/^      scaleInWindow: 5m$/      scaleInWindow: $window/" examples/shop.yaml >"$run/shop.yaml"
grep -q "for: $hold" "$run/shop.yaml" && grep -q "cooldown: $cooldown" "$run/shop.yaml" \
  && grep -q "scaleInWindow: $window" "$run/shop.yaml" || { echo "examples/shop.yaml's web policy has changed"; exit 1; }

java -Xmx256m -jar manager/target/manager.jar "$run/manager.yaml" >"$run/manager.log" 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -qs ' ready ' "$run/manager.log" && break; sleep 0.2; done
api=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/manager.log")
[ -n "$api" ] || { cat "$run/manager.log"; exit 1; }
echo "manager: pid $manager, api $api"

cooldown_ms=$(echo "$cooldown" | sed -E 's/^([0-9]+)ms$/\1/; s/^([0-9]+)s$/\1000/')
mkdir -p bench/target
status=0
java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.ScaleOutProbe --api "$api" \
  --viewer-token "$viewer" --operator-token "$operator" --runs "$runs" --agents-file "$run/agents" \
  --definitions "$run/shop.yaml" --high "$high" --low "$low" --cooldown-ms "$cooldown_ms" \
  --summary "bench/target/scale-out-summary-$poll$([ "$hold" = 0s ] || echo "-for-$hold").txt" \
  --settings "poll $poll; web policy: scaleOutAbove 0.75, scaleInBelow 0.25, for $hold, cooldown $cooldown, scaleInWindow $window, min 2, max 6; load $high / $low; 6 empty agents (5 local, 1 offsite), shop from examples/shop.yaml" \
  || status=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -hiE 'exception|error' "$run/manager.log" | head -5 || true
exit "$status"
