# Shared by the fleet benchmarks (manager-fleet-poll.sh, managers-fleet-poll.sh,
# manager-snmp-walk-vs-snmpd.sh): a simulated fleet
# of AgentSimulator processes of at most PER agents each. Each agent is a listening socket, and
# the managers hold connections to it: some five descriptors per agent in a simulator, one per
# agent in a manager (a second only while a poll given up closes). Needs processes.sh.

# Starts ceil(AGENTS / PER) simulators with VMS VMs an agent, the agents numbered from 1 across
# them; waits until each is ready. Sets sim (their pids, space-separated), sim_csv (the same,
# comma-separated), stats (their stats URLs, comma-separated) and writes every agent's "NAME PORT"
# to $run/ports. Uses $sim_opts, $sim_args (more AgentSimulator options, such as "--lifecycle
# true"; none by default), SIM_EVENT_LOOPS and STATE_CHANGES (VM state changes a second over the
# whole fleet, 100).
start_simulators() { # AGENTS VMS PER
  local agents=$1 vms=$2 per=$3 k first count u
  local sims=$(((agents + per - 1) / per))
  local need=$((per * 5 + 1024))
  [ "$((agents + 2048))" -gt "$need" ] && need=$((agents + 2048))
  open_files_at_least "$need" "$agents agents in simulators of $per (PER_SIMULATOR)"
  local pids=() urls=()
  : >"$run/ports"
  for k in $(seq 0 $((sims - 1))); do
    first=$((k * per + 1))
    count=$((agents - k * per < per ? agents - k * per : per))
    # shellcheck disable=SC2086
    java $sim_opts -cp "bench/target/bench.jar:bench/target/lib/*" io.federa.bench.AgentSimulator --agents "$count" \
      --first "$first" --vms "$vms" --event-loops "${SIM_EVENT_LOOPS:-1}" \
      --state-changes-per-second "$(awk -v r="${STATE_CHANGES:-100}" -v c="$count" -v n="$agents" 'BEGIN { print r * c / n }')" \
      --ports-file "$run/ports-$k" ${sim_args:-} >"$run/sim-$k.log" 2>&1 &
    pids+=($!)
  done
  sim="${pids[*]}"
  for k in $(seq 0 $((sims - 1))); do
    await_ready "${pids[$k]}" "$run/sim-$k.log" 120
    u=$(sed -n 's/.* stats \(http[^ ]*\).*/\1/p' "$run/sim-$k.log")
    [ -n "$u" ] || { cat "$run/sim-$k.log" >&2; return 1; }
    urls+=("$u")
    cat "$run/ports-$k" >>"$run/ports"
  done
  stats=$(IFS=,; echo "${urls[*]}")
  sim_csv=$(IFS=,; echo "${pids[*]}")
}

# Fails when any of the simulators (pids in $sim) is gone.
simulators_alive() {
  local p
  for p in $sim; do
    require_running "$p" "a simulator" || return 1
  done
}
