#!/usr/bin/env bash
# Federa's demo: builds what it needs, then starts four MR agents on libvirt's test driver —
# host-1, host-2 and host-4 in the main site, host-3 offsite (cheaper, lower security level),
# with a few VMs of other services — and the manager polling them, with the shop example applied
# (not started: `bin/federa start shop` places it). Prints where to reach everything and runs
# until Ctrl-C. Every run starts from a fresh state.
#
# Every connection speaks TLS: bin/federa-certs makes a test authority and a certificate per
# process in target/demo/certs, the agents require client certificates of that authority, the
# manager pins each agent's certificate and serves its API over HTTPS. The configurations the
# processes run on are demo/*.yaml with a tls section added, written to target/demo/.
#
#   ./demo.sh                 one manager on an embedded database file
#   ./demo.sh --managers 3    three managers sharing a PostgreSQL the demo starts itself; one leads
#   ./demo.sh --plain         without TLS: demo/*.yaml as they are, plain HTTP everywhere
#   ./demo.sh --qemu          host-1 and host-2 run real QEMU guests (software emulation), each
#                             under a libvirt session daemon of its own Unix user (federa-demo-hv1,
#                             federa-demo-hv2, created if missing); host-3 and host-4 stay on the
#                             test driver. The shop applied is examples/shop-qemu.yaml, small
#                             enough for this: a Debian kernel and a busybox guest of 128 MiB.
#                             Root only (it creates the users and starts their daemons).
# SKIP_BUILD=1 uses the jars already built.
#
# While a demo runs, from another shell, one of its processes (host-1 … host-4, manager, or
# manager-1 … manager-N with --managers):
#   ./demo.sh kill NAME       kill it with SIGKILL, as a crash would
#   ./demo.sh start NAME      start it again as the demo started it (same configuration and data,
#                             its log appended to), and wait until it is ready
#   ./demo.sh restart NAME    both
# NAME may also be leader: the manager that leads now. And, for a guest of --qemu:
#   ./demo.sh guest VM PATH   an HTTP GET of PATH on the guest's port 80, where its host forwards
#                             it (as bin/federa vms -o wide shows): ./demo.sh guest web-1 /cgi-bin/break
set -euo pipefail
cd "$(dirname "$0")"
run=target/demo

# One process of the running demo: the demo wrote how it started each into $run/procs.
demo_proc() {
  local action=$1 name=${2:-}
  local known
  known=$(cd "$run/procs" 2>/dev/null && ls -- *.cmd 2>/dev/null | sed 's/\.cmd$//' | tr '\n' ' ')
  if [ -z "$known" ]; then
    echo "demo: no demo is running here (start one with ./demo.sh)" >&2
    exit 2
  fi
  if [ "$name" = leader ] && [ -f "$run/procs/urls" ]; then
    # The manager that leads now, as federa managers names it.
    cacert=
    [ -f "$run/certs/ca.pem" ] && cacert="$PWD/$run/certs/ca.pem"
    name=$(FEDERA_URL=$(cat "$run/procs/urls") FEDERA_TOKEN=demo-viewer-token-0001 FEDERA_CACERT="$cacert" \
      bin/federa -o json managers 2>/dev/null | sed -n 's/^  "leader" : "\(.*\)",$/\1/p') || true
    [ -n "$name" ] || { echo "demo: no manager leads now (bin/federa managers says why)" >&2; exit 1; }
  fi
  if [ -z "$name" ] || [ ! -f "$run/procs/$name.cmd" ]; then
    echo "demo: $action needs one of the demo's processes: ${known% } (got '${name}')" >&2
    exit 2
  fi
  local program conf pid log from
  read -r program conf <"$run/procs/$name.cmd"
  pid=$(cat "$run/procs/$name.pid" 2>/dev/null || true)
  if [ "$action" != start ]; then
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
      # Gone, or a zombie the demo's shell has yet to reap.
      while kill -0 "$pid" 2>/dev/null && [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]; do sleep 0.1; done
      echo "demo: $name (pid $pid) killed with SIGKILL"
    else
      echo "demo: $name was not running"
    fi
  elif [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    echo "demo: $name already runs (pid $pid); ./demo.sh restart $name kills it first" >&2
    exit 1
  fi
  if [ "$action" != kill ]; then
    log="$run/$name.log"
    from=$(($(wc -l <"$log" 2>/dev/null || echo 0) + 1))
    nohup "$program" "$conf" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$run/procs/$name.pid"
    for _ in $(seq 1 150); do
      tail -n +"$from" "$log" | grep -q ' ready ' && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if ! tail -n +"$from" "$log" | grep -q ' ready '; then
      echo "demo: $name did not start again; its log:" >&2
      tail -n +"$from" "$log" >&2
      exit 1
    fi
    echo "demo: $name started again (pid $pid, log $log)"
  fi
}

# An HTTP GET of a path on a running guest's port 80 (the test guest's CGI scripts: break, mend,
# load?0.9, spin, rest, snmpd-stop, snmpd-start), at the address its host forwards the port to.
demo_guest() {
  local vm=${1:-} path=${2:-}
  if [ -z "$vm" ] || [ "${path#/}" = "$path" ]; then
    echo "demo: guest needs a VM and a path, e.g. ./demo.sh guest web-1 /cgi-bin/break" >&2
    exit 2
  fi
  [ -f "$run/procs/urls" ] || { echo "demo: no demo is running here (start one with ./demo.sh --qemu)" >&2; exit 2; }
  local cacert= vms line address
  [ -f "$run/certs/ca.pem" ] && cacert="$PWD/$run/certs/ca.pem"
  if ! vms=$(FEDERA_URL=$(cat "$run/procs/urls") FEDERA_TOKEN=demo-viewer-token-0001 FEDERA_CACERT="$cacert" \
      bin/federa -o wide vms 2>&1); then
    echo "demo: is the demo running? $vms" >&2
    exit 1
  fi
  line=$(echo "$vms" | awk -v vm="$vm" '$1 == vm')
  [ -n "$line" ] || { echo "demo: no VM $vm (bin/federa vms lists them)" >&2; exit 1; }
  address=$(echo "$line" | grep -o ' 80=[0-9.]*:[0-9]*' | sed 's/^ 80=//' | head -1) || true
  if [ -z "$address" ]; then
    echo "demo: $vm has no forwarded port 80 (a real guest of ./demo.sh --qemu has; bin/federa vms -o wide shows each VM's)" >&2
    exit 1
  fi
  local answer
  if ! answer=$(curl -sS --max-time 10 "http://$address$path" 2>&1); then
    echo "demo: $vm ($address): $answer" >&2
    exit 1
  fi
  echo "demo: $vm ($address): $answer"
}

case "${1:-}" in
  kill|start|restart) demo_proc "$@"; exit 0 ;;
  guest) shift; demo_guest "$@"; exit 0 ;;
esac
managers=1
tls=1
qemu=0
while [ $# -gt 0 ]; do
  case "$1" in
    --qemu) qemu=1; shift ;;
    --managers) managers="${2:-}"; shift 2 ;;
    --managers=*) managers="${1#*=}"; shift ;;
    --plain) tls=0; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "demo: unknown argument $1 (usage: ./demo.sh [--managers N] [--plain] [--qemu], ./demo.sh kill|start|restart NAME, or ./demo.sh guest VM PATH)" >&2; exit 2 ;;
  esac
done
case "$managers" in
  1|2|3|4|5) ;;
  *) echo "demo: --managers takes 1 to 5, got '$managers'" >&2; exit 2 ;;
esac
# host-N of the demo → the Unix user whose session hypervisor runs its real guests (--qemu).
qemu_users=(federa-demo-hv1 federa-demo-hv2)
if [ "$qemu" = 1 ] && [ "$(id -u)" -ne 0 ]; then
  echo "demo: --qemu runs real QEMU guests under session hypervisors of two Unix users it creates" \
    "(${qemu_users[*]}) and starts their libvirt daemons: run it as root" >&2
  exit 2
fi
scripts/install-deps.sh
if [ -z "${SKIP_BUILD:-}" ]; then
  echo "demo: building (mvn package, tests skipped)…"
  mvn -B -q -ntp -Dstyle.color=never -DskipTests package
fi

rm -rf "$run"
mkdir -p "$run/procs"
pids=()
stop() {
  trap - INT TERM EXIT
  # Whoever read the demo's output may be gone (a closed terminal, a parent that closed the pipe):
  # stopping must not die of SIGPIPE half-way and leave processes behind.
  trap '' PIPE
  say() { echo "$@" 2>/dev/null || true; }
  say
  say "demo: stopping the agents"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # And those started again with ./demo.sh start, which are not this shell's children.
  for f in "$run"/procs/*.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [ -n "${pgdata:-}" ] && [ -d "$pgdata/db" ]; then
    pg_as "$pgbin/pg_ctl" -D "$pgdata/db" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "$qemu" = 1 ]; then
    say "demo: stopping the real guests and their hypervisors"
    scripts/real-hypervisors.sh down "${qemu_users[@]}" >/dev/null 2>&1 || true
  fi
}
trap stop INT TERM EXIT

# The configurations the processes run on: demo/*.yaml, with TLS unless --plain.
scheme=http
manager_yaml=demo/manager.yaml
agent_conf() { echo "demo/$1.yaml"; }
if [ "$tls" = 1 ]; then
  scheme=https
  certs="$PWD/$run/certs"
  names=(host-1 host-2 host-3 host-4 operator)
  for n in $(seq 1 "$managers"); do names+=("manager-$n"); done
  bin/federa-certs "$certs" "${names[@]}" >"$run/fingerprints.txt"
  agent_conf() { echo "$run/$1.yaml"; }
  for h in host-1 host-2 host-3 host-4; do
    sed -e "s|^dataDir: .*|dataDir: $PWD/$run/$h|" "demo/$h.yaml" >"$run/$h.yaml"
    printf 'tls:\n  cert: %s\n  key: %s\n  ca: %s\n  clientAuth: required\n' \
      "$certs/$h.pem" "$certs/$h-key.pem" "$certs/ca.pem" >>"$run/$h.yaml"
  done
  manager_yaml="$run/manager.yaml"
  sed -e "s|^  file: .*|  file: $PWD/$run/manager/federa|" demo/manager.yaml >"$manager_yaml"
  # Each agent pinned to its own certificate: another certificate of the authority is refused.
  for h in host-1 host-2 host-3 host-4; do
    fp=$(sed -n "s/^$h sha256 //p" "$run/fingerprints.txt")
    sed -i -e "s|^\(  - { name: $h, .*\) }$|\1, fingerprint: \"$fp\" }|" "$manager_yaml"
  done
  printf 'tls:\n  cert: %s\n  key: %s\n  ca: %s\n' "$certs/manager-1.pem" "$certs/manager-1-key.pem" "$certs/ca.pem" \
    >>"$manager_yaml"
  export FEDERA_CACERT="$certs/ca.pem"
fi

# --qemu: host-1 and host-2 drive real guests. Each runs as its hypervisor's user, from a folder
# of that user's (the jar, the guest's kernel and initrd, its data, its TLS files), on its demo
# configuration with the test driver's node replaced by the session hypervisor.
agent_program() { echo bin/federa-agent; }
if [ "$qemu" = 1 ]; then
  echo "demo: starting two session hypervisors and building the test guest…"
  scripts/real-hypervisors.sh down "${qemu_users[@]}" >/dev/null 2>&1 || true
  scripts/real-hypervisors.sh up "${qemu_users[@]}" >"$run/hypervisors.log" 2>&1 \
    || { echo "demo: the hypervisors did not start:" >&2; cat "$run/hypervisors.log" >&2; exit 1; }
  scripts/real-hypervisors.sh guest "$PWD/target/guest-image" >>"$run/hypervisors.log" 2>&1 \
    || { echo "demo: the test guest was not built:" >&2; cat "$run/hypervisors.log" >&2; exit 1; }
  for n in 1 2; do
    h="host-$n" user=${qemu_users[$((n - 1))]}
    home="/home/$user/federa-demo"
    rm -rf "$home" && mkdir -p "$home/data" "$home/lib"
    cp mr-agent/target/mr-agent.jar "$home/" && cp mr-agent/target/lib/* "$home/lib/"
    cp target/guest-image/vmlinuz target/guest-image/initrd.gz "$home/"
    uri="qemu+unix:///session?socket=/run/user/$(id -u "$user")/libvirt/libvirt-sock"
    scripts/real-host-config.sh "$(agent_conf "$h")" "$home" "$uri" >"$home/agent.yaml"
    if [ "$tls" = 1 ]; then
      cp "$certs/$h.pem" "$certs/$h-key.pem" "$certs/ca.pem" "$home/"
    fi
    chown -R "$user:" "$home"
    # The program ./demo.sh start runs again: the agent as that user, with its session's runtime folder.
    cat >"$run/federa-agent-$h" <<SH
#!/bin/sh
exec setpriv --reuid=$user --regid=$(id -g "$user") --init-groups env HOME=$home XDG_RUNTIME_DIR=/run/user/$(id -u "$user") \\
  java -XX:+ExitOnOutOfMemoryError -jar $home/mr-agent.jar "\$@"
SH
    chmod 755 "$run/federa-agent-$h"
  done
  agent_conf() { case "$1" in host-1|host-2) echo "/home/${qemu_users[${1#host-} - 1]}/federa-demo/agent.yaml" ;; *) echo "$run/$1.yaml" ;; esac; }
  [ "$tls" = 1 ] || agent_conf() { case "$1" in host-1|host-2) echo "/home/${qemu_users[${1#host-} - 1]}/federa-demo/agent.yaml" ;; *) echo "demo/$1.yaml" ;; esac; }
  agent_program() { case "$1" in host-1|host-2) echo "$run/federa-agent-$1" ;; *) echo bin/federa-agent ;; esac; }
fi

# Started here, and again by ./demo.sh start NAME from what is written in $run/procs.
launch() {
  local name=$1 program=$2 conf=$3
  "$program" "$conf" >"$run/$name.log" 2>&1 &
  pids+=($!)
  echo "$!" >"$run/procs/$name.pid"
  case "$conf" in /*) ;; *) conf="$PWD/$conf" ;; esac
  printf '%s %s\n' "$program" "$conf" >"$run/procs/$name.cmd"
}

for h in host-1 host-2 host-3 host-4; do
  launch "$h" "$(agent_program "$h")" "$(agent_conf "$h")"
done

# PostgreSQL runs as its own user: root may not run it.
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
manager_configs=("$manager_yaml")
if [ "$managers" -gt 1 ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgdata="$PWD/$run/pg"
  pgport=55432
  mkdir -p "$pgdata"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; fi
  echo "demo: starting PostgreSQL on 127.0.0.1:$pgport for $managers managers…"
  (cd /tmp && pg_as "$pgbin/initdb" -D "$pgdata/db" -U federa -A trust -E UTF8 --no-locale) >"$run/pg-init.log" 2>&1
  (cd /tmp && pg_as "$pgbin/pg_ctl" -D "$pgdata/db" -l "$pgdata/log" -w -t 60 \
    -o "-p $pgport -k $pgdata -c listen_addresses=127.0.0.1" start) >/dev/null
  manager_configs=()
  for n in $(seq 1 "$managers"); do
    conf="$run/manager-$n.yaml"
    sed -e "s|^  file: .*|  jdbcUrl: \"jdbc:postgresql://127.0.0.1:$pgport/postgres\"\\n  user: federa|" \
        -e "s|^  port: 8080$|  port: 808$((n - 1))|" -e "s|manager-1\(-key\)\{0,1\}\.pem|manager-$n\1.pem|" \
        "$manager_yaml" >"$conf"
    printf 'cluster:\n  name: manager-%s\n' "$n" >>"$conf"
    manager_configs+=("$conf")
  done
fi
manager_pids=()
for conf in "${manager_configs[@]}"; do
  launch "$(basename "$conf" .yaml)" bin/federa-manager "$conf"
  manager_pids+=($!)
done

for i in 0 1 2 3; do
  h="host-$((i + 1))"
  for _ in $(seq 1 150); do
    grep -q ' ready ' "$run/$h.log" 2>/dev/null && break
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then break; fi
    sleep 0.2
  done
  if ! grep -q ' ready ' "$run/$h.log"; then
    echo "demo: $h did not start; its log:" >&2
    cat "$run/$h.log" >&2
    exit 1
  fi
done

i=0
for conf in "${manager_configs[@]}"; do
  log="$run/$(basename "$conf" .yaml).log"
  for _ in $(seq 1 150); do
    grep -q ' ready ' "$log" 2>/dev/null && break
    kill -0 "${manager_pids[$i]}" 2>/dev/null || break
    sleep 0.2
  done
  if ! grep -q ' ready ' "$log"; then
    echo "demo: the manager of $conf did not start; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  i=$((i + 1))
done
urls=$(for n in $(seq 1 "$managers"); do printf '%s://127.0.0.1:808%s,' "$scheme" $((n - 1)); done)
urls=${urls%,}
echo "$urls" >"$run/procs/urls"
shop=examples/shop.yaml
[ "$qemu" = 1 ] && shop=examples/shop-qemu.yaml
FEDERA_TOKEN=demo-operator-token-0001 FEDERA_URL="$urls" bin/federa apply -f "$shop" >/dev/null 2>"$run/apply.err" \
  || { echo "demo: applying $shop failed:" >&2; cat "$run/apply.err" >&2; exit 1; }

echo
if [ "$managers" -gt 1 ]; then
  echo "Federa demo: four MR agents and $managers managers on PostgreSQL 127.0.0.1:$pgport are up (logs in $run/)."
  echo
  echo "The managers (every one answers reads; changes go to the leader; federa follows it):"
  echo "  export FEDERA_URL=$urls"
  FEDERA_TOKEN=demo-viewer-token-0001 FEDERA_URL="$urls" bin/federa managers 2>/dev/null | sed 's/^/  /'
  echo "Kill the leader (./demo.sh kill leader, or kill manager-N): another takes the lead within seconds; kill them all"
  echo "and the shop's VMs keep running on their peers' word (docs/cluster.md)."
else
  echo "Federa demo: four MR agents and the manager are up (logs in $run/)."
fi
if [ "$qemu" = 1 ]; then
  echo "host-1 and host-2 run real QEMU guests under the session hypervisors of ${qemu_users[*]}"
  echo "(virsh -c 'qemu+unix:///session?socket=/run/user/UID/libvirt/libvirt-sock' as that user shows them);"
  echo "$shop is applied: FEDERA_TOKEN=demo-operator-token-0001 bin/federa start shop boots it there."
  echo "A guest's console: /home/<user>/federa-demo/data/vms/<uuid>/console.log."
fi
if [ "$tls" = 1 ]; then
  curl_agent="curl -s --cacert $certs/ca.pem --cert $certs/operator.pem --key $certs/operator-key.pem"
  curl_manager="curl -s --cacert $certs/ca.pem"
  echo "Every connection speaks TLS: the authority is $certs/ca.pem (federa reads it from FEDERA_CACERT),"
  echo "the agents take only clients with a certificate of it ($certs/operator.pem is one for you),"
  echo "and the manager pins each agent's certificate (fingerprints in $run/fingerprints.txt)."
else
  curl_agent="curl -s"
  curl_manager="curl -s"
fi
echo
for n in 1 2 3 4; do
  h="host-$n"
  port=$(sed -n 's/^  port: \(87[0-9][0-9]\)$/\1/p' "demo/$h.yaml")
  mport=$(sed -n 's/^  port: \(97[0-9][0-9]\)$/\1/p' "demo/$h.yaml")
  printf '  %s  jolokia %s://127.0.0.1:%s/jolokia/  user federa  password demo-password-%s\n' "$h" "$scheme" "$port" "$n"
  printf '          metrics %s://127.0.0.1:%s/metrics\n' "$scheme" "$mport"
  printf '          snmp    udp:127.0.0.1:1616%s  SNMPv3 user noc, SHA-256 demo-auth-pass, AES demo-priv-pass\n' "$n"
done
m="$scheme://127.0.0.1:8080"
cat <<TXT

List host-1's VMs:
  $curl_agent -u federa:demo-password-1 -d '[{"type":"read","mbean":"federa:type=VirtualMachine,*"}]' $scheme://127.0.0.1:8781/jolokia/

Walk host-1's VMs in the standard VM-MIB with net-snmp:
  snmpbulkwalk -v3 -l authPriv -u noc -a SHA-256 -A demo-auth-pass -x AES -X demo-priv-pass 127.0.0.1:16161 1.3.6.1.2.1.236.1.4

The manager (API tokens: demo-viewer-token-0001, demo-operator-token-0001, demo-admin-token-000001),
with $shop applied, not started yet:
  $curl_manager -H 'Authorization: Bearer demo-viewer-token-0001' $m/api/v1/services/shop
  $curl_manager -H 'Authorization: Bearer demo-viewer-token-0001' $m/api/v1/hosts
  $curl_manager -H 'Authorization: Bearer demo-viewer-token-0001' $m/metrics
  (the API described: $m/api/v1/openapi.yaml, same token)

The same with the federa command line:
  export FEDERA_TOKEN=demo-viewer-token-0001 FEDERA_URL=$urls${FEDERA_CACERT:+ FEDERA_CACERT=$FEDERA_CACERT}
  bin/federa hosts
  bin/federa vms
  bin/federa services
  bin/federa status shop

TXT
if [ "$qemu" = 0 ]; then
  cat <<TXT
Start the shop: the manager places it by its rules and starts it, dependencies first, step by step;
then ask why each VM is where it is:
  FEDERA_TOKEN=demo-operator-token-0001 bin/federa start shop
  bin/federa explain shop
  bin/federa status shop          # instances: catalog-db-1@host-4, payment-1@host-1, web-1@host-2, web-2@host-4

Kill host-4's agent: the shop goes DOWN, and some 8-10 s later catalog-db-1 and web-2 run elsewhere
(epoch 2), in dependency order; start the agent again and it drops its stale copies:
  ./demo.sh kill host-4
  bin/federa status shop
  ./demo.sh start host-4
  bin/federa events --since 5m --kind lifecycle.

TXT
else
  cat <<TXT
Start the shop on the real guests (booting under software emulation takes some seconds per guest),
then see where each runs and what the guests print:
  FEDERA_TOKEN=demo-operator-token-0001 bin/federa start shop
  bin/federa status shop
  bin/federa vms

Kill host-1's agent: its guests run on until its lease ends; its lease supervisor then powers them
off, and the manager starts them on host-2 (epoch 2):
  ./demo.sh kill host-1
  bin/federa status shop
  ./demo.sh start host-1
TXT
fi
echo
echo "Ctrl-C stops the demo."
wait
