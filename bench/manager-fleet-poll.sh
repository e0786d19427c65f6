#!/usr/bin/env bash
# Benchmark: one manager process polling a simulated fleet — AGENTS agents (default 1000) with
# VMS VMs each (default 10), every second, all on this machine's loopback. The agents come from
# simulator processes (bench module, AgentSimulator; PER_SIMULATOR agents each, 2,500) that answer each agent's Jolokia bulk
# read like a real agent that samples its host every second.
#
# Measures, over a WINDOW-second window (default 60) after WARMUP seconds (default 30) in which
# the API is sampled as in the window (so that the window does not pay for compiling its code):
#   VMs refreshed per second  good polls per second (the manager's own counter) x VMs per agent
#   manager CPU, simulator CPU  utime+stime from /proc/PID/stat over the window, in cores
#   staleness                 at each sample of GET /api/v1/hosts (every 2 s): now - sampledAt of
#                             every host shown; p50/p90/p99/max over all hosts and samples
#   heap per 10,000 VMs       used heap just after a full GC (System.gc() over JMX; the heap pools'
#                             usage after it, as the collector reports it) with the fleet, minus
#                             the same with no agents, scaled to 10,000 VMs
#
#   bench/manager-fleet-poll.sh [AGENTS] [VMS] [WINDOW] [WARMUP]
# Environment: MANAGER_JAVA_OPTS (default -Xmx512m -XX:+UseG1GC), SIM_JAVA_OPTS,
#   SIM_EVENT_LOOPS (default 1), MAX_CONCURRENT (poll.maxConcurrent; default: the manager's own, 64), STATE_CHANGES (VM state changes a second over the fleet, 100),
#   MANAGER_JAR (another build of the manager to compare with), JFR=1 to record the manager
#   with Java Flight Recorder during the window (kept in bench/target), HISTO=1 to write the live
#   objects by class at the end (bench/target/manager-fleet-histogram.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-1000}
vms=${2:-10}
window=${3:-60}
warmup=${4:-30}
manager_opts="-XX:+ExitOnOutOfMemoryError ${MANAGER_JAVA_OPTS:--Xmx512m -XX:+UseG1GC}"
sim_opts=${SIM_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}
token=bench-viewer-token-0001

. bench/lib/processes.sh
bench_build manager,bench

. bench/lib/simulators.sh

run=$(mktemp -d /tmp/federa-fleet-poll.XXXXXX)
sim=""
manager=""
stop() {
  for p in $manager $sim; do kill "$p" 2>/dev/null || true; done
  for p in $manager $sim; do wait "$p" 2>/dev/null || true; done
}
on_exit() {
  local status=$?
  stop
  if [ "$status" -ne 0 ]; then
    print_failed_logs "$run"
  fi
  rm -rf "$run"
}
trap on_exit EXIT

# Starts the manager on $run/$1.yaml; sets $manager and $api.
start_manager() {
  local jfr=""
  if [ "${JFR:-}" = 1 ] && [ "$1" = fleet ]; then
    mkdir -p bench/target
    jfr="-XX:StartFlightRecording=filename=bench/target/manager-fleet.jfr,settings=profile,delay=${warmup}s,duration=${window}s"
  fi
  # shellcheck disable=SC2086
  java $manager_opts $jfr -jar "${MANAGER_JAR:-manager/target/manager.jar}" "$run/$1.yaml" >"$run/$1.log" 2>&1 &
  manager=$!
  await_ready "$manager" "$run/$1.log" 60
  api=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/$1.log")
  [ -n "$api" ] || { cat "$run/$1.log"; exit 1; }
  api=${api%/}
}

# Used heap just after a full GC, in KiB; the lowest of three (FleetProbe --heap-only: System.gc()
# over JMX, then the heap pools' usage after that collection, as the collector reports it).
heap_after_gc() {
  java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.FleetProbe --manager-pid "$manager" --heap-only true
}

write_config() { # NAME, then agents as "NAME PORT" lines on stdin
  {
    echo "agents:"
    while read -r name port; do
      echo "  - { name: $name, address: 127.0.0.1, port: $port, user: bench, password: bench-password }"
    done
    cat <<YAML
poll:
  interval: 1s
  missedPollsAllowed: 3
$([ -n "${MAX_CONCURRENT:-}" ] && echo "  maxConcurrent: $MAX_CONCURRENT")
store:
  file: $run/store-$1/federa
api:
  address: 127.0.0.1
  port: 0
tokens:
  - { name: bench, token: $token, role: viewer }
YAML
  } >"$run/$1.yaml"
}

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "manager JVM: $manager_opts; simulator JVM: $sim_opts, ${SIM_EVENT_LOOPS:-1} event loop(s)"

# 1. The manager with no agents: the heap that the fleet's is measured against.
write_config empty </dev/null
sed -i 's/^agents:$/agents: []/' "$run/empty.yaml"
start_manager empty
sleep 10
empty_kib=$(heap_after_gc)
kill "$manager"; wait "$manager" 2>/dev/null || true; manager=""

# 2. The simulated fleet (in processes of PER_SIMULATOR agents, default 2,500), then the manager polling it.
start_simulators "$agents" "$vms" "${PER_SIMULATOR:-2500}"
write_config fleet <"$run/ports"
start_manager fleet
echo "warm-up ${warmup} s (the API sampled as in the window), then a ${window} s window ..."
timeout "$((warmup + window + 600))" java -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.FleetProbe --manager-pid "$manager" --simulator-pid "$sim_csv" \
  --api "$api" --token "$token" --stats "$stats" --warmup "$warmup" --window "$window" --every 2 --agents "$agents" --vms "$vms" \
  --clk-tck "$(getconf CLK_TCK)"
echo "load at the window's end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "the manager's own view: $(curl -s -H "Authorization: Bearer $token" "${api%/api/v1}/metrics" \
  | grep -E '^federa_poll_(cycle_seconds|concurrency_limit) ' | tr '\n' ' ')"
require_running "$manager" "the manager"
simulators_alive
fleet_kib=$(heap_after_gc)
awk -v e="$empty_kib" -v f="$fleet_kib" -v n=$((agents * vms)) 'BEGIN {
  printf "heap after full GC       empty %.1f MiB, fleet %.1f MiB: %.1f MiB per 10,000 VMs\n", e/1024, f/1024, (f-e)/1024*10000/n }'
if [ "${JFR:-}" = 1 ]; then echo "flight recording: bench/target/manager-fleet.jfr"; fi
if [ "${HISTO:-}" = 1 ]; then
  mkdir -p bench/target
  jcmd "$manager" GC.class_histogram >bench/target/manager-fleet-histogram.txt
  echo "live objects by class: bench/target/manager-fleet-histogram.txt"
fi
grep -iE 'exception|error' "$run/fleet.log" | head -5 || true
