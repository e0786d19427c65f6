#!/usr/bin/env bash
# Benchmark: three managers sharing one PostgreSQL, polling a simulated fleet — AGENTS agents
# (default 10000) with VMS VMs each (default 10), every second, all on this machine's loopback.
# One manager leads (polls every agent every second, with the leases); the two followers poll each
# agent once every cluster.followerPoll (5 s) for a warm inventory. The agents come from one
# simulator process (bench module, AgentSimulator), as in bench/manager-fleet-poll.sh.
#
# Measures, over a WINDOW-second window (default 60) after WARMUP seconds (default 30):
#   the leader            good polls/s, CPU (cores, by thread), staleness p50/p90/p99/max of what
#                         its API shows (FleetProbe, as bench/manager-fleet-poll.sh measures one manager)
#   each follower         CPU in cores (utime+stime from /proc/PID/stat over the same stretch)
#   the simulator         CPU in cores
#
#   bench/managers-fleet-poll.sh [AGENTS] [VMS] [WINDOW] [WARMUP]
# Environment: MANAGER_JAVA_OPTS (default -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError),
#   SIM_JAVA_OPTS, SIM_EVENT_LOOPS (default 1), MAX_CONCURRENT (poll.maxConcurrent, default 256),
#   SKIP_BUILD=1 to use the jars already built.
# Needs PostgreSQL's server (scripts/install-deps.sh installs it); started here on a free port,
# in a private temporary directory, and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-10000}
vms=${2:-10}
window=${3:-60}
warmup=${4:-30}
manager_opts=${MANAGER_JAVA_OPTS:--Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}
sim_opts=${SIM_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC}
token=bench-viewer-token-0001

. bench/lib/processes.sh
bench_build manager,bench

run=$(mktemp -d /tmp/federa-managers-fleet.XXXXXX)
chmod 755 "$run"
sim=""
managers=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "no PostgreSQL server under /usr/lib/postgresql: run scripts/install-deps.sh" >&2; exit 1; }
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
. bench/lib/simulators.sh
on_exit() {
  local status=$?
  for p in "${managers[@]}" $sim; do kill "$p" 2>/dev/null || true; done
  for p in "${managers[@]}" $sim; do wait "$p" 2>/dev/null || true; done
  if [ -d "$run/pg/db" ]; then
    pg_as "$pgbin/pg_ctl" -D "$run/pg/db" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "$status" -ne 0 ]; then
    print_failed_logs "$run"
  fi
  rm -rf "$run"
}
trap on_exit EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "manager JVMs: $manager_opts; simulator JVMs of up to ${PER_SIMULATOR:-2500} agents: $sim_opts, ${SIM_EVENT_LOOPS:-1} event loop(s) each"

# PostgreSQL, private to this run.
pgport=$(free_port)
mkdir -p "$run/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$run/pg"; fi
(cd /tmp && pg_as "$pgbin/initdb" -D "$run/pg/db" -U federa -A trust -E UTF8 --no-locale) >"$run/pg-init.log" 2>&1
(cd /tmp && pg_as "$pgbin/pg_ctl" -D "$run/pg/db" -l "$run/pg/log" -w -t 60 \
  -o "-p $pgport -k $run/pg -c listen_addresses=127.0.0.1" start) >/dev/null

# The simulated fleet, in processes of at most PER_SIMULATOR agents (default 2,500).
start_simulators "$agents" "$vms" "${PER_SIMULATOR:-2500}"

# Three managers, the same configuration but for their names.
for n in 1 2 3; do
  {
    echo "agents:"
    while read -r name port; do
      echo "  - { name: $name, address: 127.0.0.1, port: $port, user: bench, password: bench-password }"
    done <"$run/ports"
    cat <<YAML
poll:
  interval: 1s
  missedPollsAllowed: 3
  maxConcurrent: ${MAX_CONCURRENT:-256}
store:
  jdbcUrl: "jdbc:postgresql://127.0.0.1:$pgport/postgres"
  user: federa
api:
  address: 127.0.0.1
  port: 0
tokens:
  - { name: bench, token: $token, role: viewer }
cluster:
  name: m$n
YAML
  } >"$run/m$n.yaml"
  # shellcheck disable=SC2086
  java $manager_opts -jar manager/target/manager.jar "$run/m$n.yaml" >"$run/m$n.log" 2>&1 &
  managers+=($!)
done
apis=()
for n in 1 2 3; do
  await_ready "${managers[$((n - 1))]}" "$run/m$n.log" 120
  a=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/m$n.log")
  [ -n "$a" ] || { echo "manager m$n did not start" >&2; exit 1; }
  apis+=("${a%/}")
done
leader=""
for _ in $(seq 1 100); do
  for n in 0 1 2; do
    l=$(curl -s -m 5 -H "Authorization: Bearer $token" "${apis[$n]}/managers" \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("leader",""))' 2>/dev/null || true)
    [ -n "$l" ] && leader=$l && break 2
  done
  sleep 0.2
done
[ -n "$leader" ] || { echo "no manager leads" >&2; exit 1; }
li=$((${leader#m} - 1))
echo "$agents agents x $vms VMs; $leader leads; warm-up ${warmup} s, then a ${window} s window ..."
sleep "$warmup"
echo "load at the window's start: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A before
t0=$(date +%s.%N)
for n in 0 1 2; do before[$n]=$(cpu_ticks "${managers[$n]}"); done
echo "the leader ($leader):"
timeout "$((window + 600))" java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.FleetProbe --manager-pid "${managers[$li]}" \
  --simulator-pid "$sim_csv" --api "${apis[$li]}/" --token "$token" --stats "$stats" --window "$window" --every 2 \
  --agents "$agents" --vms "$vms" --clk-tck "$(getconf CLK_TCK)" | sed 's/^/  /'
t1=$(date +%s.%N)
echo "load at the window's end: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 0 1 2; do
  kill -0 "${managers[$n]}" 2>/dev/null || { echo "manager m$((n + 1)) died" >&2; exit 1; }
  after=$(cpu_ticks "${managers[$n]}")
  role=follower
  [ "$n" -eq "$li" ] && role=leader
  awk -v b="${before[$n]}" -v a="$after" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" -v name="m$((n + 1))" -v role="$role" \
    'BEGIN { printf "%-3s %-8s CPU %.3f cores over %.0f s (window and the probe'"'"'s cost stretch)\n", name, role, (a - b) / hz / (t1 - t0), t1 - t0 }'
done
