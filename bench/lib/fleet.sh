# Shared by the benchmarks over real processes (failover.sh, scale-out.sh, migration-downtime.sh):
# a run directory, MR agents on libvirt's test driver derived from the demo's hosts, the manager
# over them, and stopping it all on exit. Source it from the repository's root, after setting
# viewer and operator (the API tokens the manager gets).

. bench/lib/processes.sh

# Makes the run directory ($run, under /tmp, named after NAME) and stops everything started from
# it when the script exits.
fleet_init() { # NAME
  run=$(mktemp -d "/tmp/federa-$1.XXXXXX")
  : >"$run/pids"
  : >"$run/agents"
  manager=""
  trap 'fleet_stop; echo "logs: $run"' EXIT
  echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "run directory: $run"
}

fleet_stop() {
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
start_agent() { # ID
  java -Xmx256m -jar mr-agent/target/mr-agent.jar "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  local pid=$!
  echo "$pid" >>"$run/pids"
  await_ready "$pid" "$run/$1.log" 60 >&2 || exit 1
  local url
  url=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "$url" ] || { cat "$run/$1.log"; exit 1; }
  local port=${url#http://127.0.0.1:}
  echo "$pid ${port%%/*}"
}

# Starts one empty agent per ID (host-3 the offsite host of demo/host-3.yaml, the others secure
# local hosts of demo/host-2.yaml) and lists them in $run/agents as "ID PORT PASSWORD PID CONFIG
# LOG". Jolokia's port is fixed once the agent has chosen one, so that a restarted agent comes back
# at the same address.
start_fleet() { # ID...
  local id template password pid port
  for id in "$@"; do
    if [ "$id" = host-3 ]; then template=host-3; password=demo-password-3; else template=host-2; password=demo-password-2; fi
    agent_yaml "$id" "$template"
    read -r pid port < <(start_agent "$id") || true
    [ -n "${port:-}" ] || { echo "agent $id did not start: $(tail -5 "$run/$id.log")"; exit 1; }
    sed -i -E "/^jolokia:$/,/^[a-z]/s/^  port: 0$/  port: $port/" "$run/$id.yaml"
    echo "$id $port $password $pid $run/$id.yaml $run/$id.log" >>"$run/agents"
    echo "agent $id: pid $pid, jolokia 127.0.0.1:$port, $(grep -c '^      - ' "$run/$id.yaml" || true) VMs configured"
  done
}

# Writes $run/manager.yaml for the agents started (poll every POLL, two misses allowed, a store in
# the run directory, the API on an ephemeral port) with EXTRA appended, starts the manager and
# waits for it; sets $manager (its pid) and $api.
start_manager() { # POLL EXTRA
  {
    echo "agents:"
    while read -r id port password _; do
      echo "  - { name: $id, address: 127.0.0.1, port: $port, user: federa, password: $password }"
    done <"$run/agents"
    cat <<YAML
poll:
  interval: $1
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
    # The demo's lease-signing key: the agents (demo hosts) believe only statements it signed.
    sed -n '/^lease:/,$p' demo/manager.yaml
    printf '%s' "$2"
  } >"$run/manager.yaml"
  java -Xmx256m -XX:+ExitOnOutOfMemoryError -jar manager/target/manager.jar "$run/manager.yaml" >"$run/manager.log" 2>&1 &
  manager=$!
  await_ready "$manager" "$run/manager.log" 60
  api=$(sed -n 's/.* api \(http[^ ]*\) .*/\1/p' "$run/manager.log")
  [ -n "$api" ] || { cat "$run/manager.log"; exit 1; }
  echo "manager: pid $manager, api $api"
}

# After the probe: the load, and the first errors in the manager's log.
fleet_report() {
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  grep -hiE 'exception|error' "$run/manager.log" | head -5 || true
}
