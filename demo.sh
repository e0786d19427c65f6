#!/usr/bin/env bash
# Federa's demo: builds what it needs, then starts four MR agents on libvirt's test driver —
# host-1, host-2 and host-4 in the main site, host-3 offsite (cheaper, lower security level),
# with a few VMs of other services — and the manager polling them, with the shop example applied
# (not started: `bin/federa start shop` places it). Prints where to reach everything and runs
# until Ctrl-C. Every run starts from a fresh state.
#
#   ./demo.sh                 one manager on an embedded database file
#   ./demo.sh --managers 3    three managers sharing a PostgreSQL the demo starts itself; one leads
set -euo pipefail
cd "$(dirname "$0")"
managers=1
while [ $# -gt 0 ]; do
  case "$1" in
    --managers) managers="${2:-}"; shift 2 ;;
    --managers=*) managers="${1#*=}"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "demo: unknown argument $1 (usage: ./demo.sh [--managers N])" >&2; exit 2 ;;
  esac
done
case "$managers" in
  1|2|3|4|5) ;;
  *) echo "demo: --managers takes 1 to 5, got '$managers'" >&2; exit 2 ;;
esac
scripts/install-deps.sh
echo "demo: building (mvn package, tests skipped)…"
mvn -B -q -ntp -Dstyle.color=never -DskipTests package

run=target/demo
rm -rf "$run"
mkdir -p "$run"
pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping the agents"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${pgdata:-}" ] && [ -d "$pgdata/db" ]; then
    pg_as "$pgbin/pg_ctl" -D "$pgdata/db" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
trap stop INT TERM EXIT

for h in host-1 host-2 host-3 host-4; do
  bin/federa-agent "demo/$h.yaml" >"$run/$h.log" 2>&1 &
  pids+=($!)
done

# PostgreSQL runs as its own user: root may not run it.
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
manager_configs=(demo/manager.yaml)
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
        -e "s|^  port: 8080$|  port: 808$((n - 1))|" demo/manager.yaml >"$conf"
    printf 'cluster:\n  name: manager-%s\n' "$n" >>"$conf"
    manager_configs+=("$conf")
  done
fi
manager_pids=()
for conf in "${manager_configs[@]}"; do
  bin/federa-manager "$conf" >"$run/$(basename "$conf" .yaml).log" 2>&1 &
  pids+=($!)
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
urls=$(for n in $(seq 1 "$managers"); do printf 'http://127.0.0.1:808%s,' $((n - 1)); done)
urls=${urls%,}
FEDERA_TOKEN=demo-operator-token-0001 FEDERA_URL="$urls" bin/federa apply -f examples/shop.yaml >/dev/null 2>"$run/apply.err" \
  || { echo "demo: applying examples/shop.yaml failed:" >&2; cat "$run/apply.err" >&2; exit 1; }

echo
if [ "$managers" -gt 1 ]; then
  echo "Federa demo: four MR agents and $managers managers on PostgreSQL 127.0.0.1:$pgport are up (logs in $run/)."
  echo
  echo "The managers (every one answers reads; changes go to the leader; federa follows it):"
  echo "  export FEDERA_URL=$urls"
  FEDERA_TOKEN=demo-viewer-token-0001 FEDERA_URL="$urls" bin/federa managers 2>/dev/null | sed 's/^/  /'
  echo "Kill the leader (pkill -9 -f 'manager-N.yaml'): another takes the lead within seconds; kill them all"
  echo "and the shop's VMs keep running on their peers' word (docs/cluster.md)."
else
  echo "Federa demo: four MR agents and the manager are up (logs in $run/)."
fi
echo
for n in 1 2 3 4; do
  h="host-$n"
  port=$(sed -n 's/^  port: \(87[0-9][0-9]\)$/\1/p' "demo/$h.yaml")
  mport=$(sed -n 's/^  port: \(97[0-9][0-9]\)$/\1/p' "demo/$h.yaml")
  printf '  %s  jolokia http://127.0.0.1:%s/jolokia/  user federa  password demo-password-%s\n' "$h" "$port" "$n"
  printf '          metrics http://127.0.0.1:%s/metrics\n' "$mport"
  printf '          snmp    udp:127.0.0.1:1616%s  SNMPv3 user noc, SHA-256 demo-auth-pass, AES demo-priv-pass\n' "$n"
done
cat <<'TXT'

List host-1's VMs:
  curl -s -u federa:demo-password-1 -d '[{"type":"read","mbean":"federa:type=VirtualMachine,*"}]' http://127.0.0.1:8781/jolokia/

Walk host-1's VMs in the standard VM-MIB with net-snmp:
  snmpbulkwalk -v3 -l authPriv -u noc -a SHA-256 -A demo-auth-pass -x AES -X demo-priv-pass 127.0.0.1:16161 1.3.6.1.2.1.236.1.4

The manager (API tokens: demo-viewer-token-0001, demo-operator-token-0001, demo-admin-token-000001),
with examples/shop.yaml applied, not started yet:
  curl -s -H 'Authorization: Bearer demo-viewer-token-0001' http://127.0.0.1:8080/api/v1/services/shop
  curl -s -H 'Authorization: Bearer demo-viewer-token-0001' http://127.0.0.1:8080/api/v1/hosts
  curl -s -H 'Authorization: Bearer demo-viewer-token-0001' http://127.0.0.1:8080/metrics
  (the API described: http://127.0.0.1:8080/api/v1/openapi.yaml, same token)

The same with the federa command line:
  export FEDERA_TOKEN=demo-viewer-token-0001
  bin/federa hosts
  bin/federa vms
  bin/federa services
  bin/federa status shop

Start the shop: the manager places it by its rules and starts it, dependencies first, step by step;
then ask why each VM is where it is:
  FEDERA_TOKEN=demo-operator-token-0001 bin/federa start shop
  bin/federa explain shop
  bin/federa status shop          # instances: catalog-db-1@host-4, payment-1@host-1, web-1@host-2, web-2@host-4

Kill host-4's agent: the shop goes DOWN, and some 8-10 s later catalog-db-1 and web-2 run elsewhere
(epoch 2), in dependency order; start the agent again and it drops its stale copies:
  pkill -9 -f demo/host-4.yaml
  bin/federa status shop
  bin/federa-agent demo/host-4.yaml > target/demo/host-4.again.log 2>&1 &
  bin/federa events --since 5m --kind lifecycle.

Ctrl-C stops the demo.
TXT
wait
