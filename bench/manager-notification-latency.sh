#!/usr/bin/env bash
# Benchmark: how long after the manager sees a service change state a station has the
# notification. Four MR agents on libvirt's test driver (bench/lib/fleet.sh: host-1, host-2 and
# host-4 secure local hosts, host-3 the offsite one), the manager polling them every POLL (default
# 1s) and serving FEDERA-MANAGER-MIB with one inform station: net-snmp's snmptrapd on a free port
# of the loopback, the user configured on both sides as SNMPv3 authPriv (HMAC-SHA-256, AES-128).
# The shop (examples/shop.yaml) is applied and started. Then CYCLES times (default 30): one of
# the shop's RUNNING web VMs is powered off through its agent (Jolokia exec destroyVm, as a
# guest that crashes), so the shop goes DEGRADED; the manager starts it again, and the shop is UP
# again (unless the manager starts it again before its history looks: it then records no change).
# Each change is a `service.state` event of the manager, stamped when its history saw it
# (GET /api/v1/events), and a federaMgrServiceStateChanged inform; snmptrapd's output is stamped
# as it is read (bash's EPOCHREALTIME, one line per notification). The k-th change of the shop
# after the first UP is paired with the k-th inform for the shop after it, their states checked
# alike. Prints every change's latency (inform received − event), p50/p90/p99/max (nearest rank)
# and the load average at the start and the end; for scale, also the time from each power-off to
# the manager's DEGRADED event (the agent's sampling, the poll and the history's interval).
# Fails when a process under test dies, a cycle does not end within CYCLE_TIMEOUT seconds
# (default 60), or the informs do not match the events.
# Needs Debian's snmp, snmptrapd, libvirt0 and iproute2 (ss).
#   bench/manager-notification-latency.sh [CYCLES]
# Environment: SKIP_BUILD=1 to use the jars already built, MVN_FLAGS, POLL.
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-30}
poll=${POLL:-1s}
cycle_timeout=${CYCLE_TIMEOUT:-60}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001
user=bench; auth=bench-auth-pass; priv=bench-priv-pass

. bench/lib/fleet.sh
if [ -z "${SKIP_BUILD:-}" ]; then
  command -v snmpbulkwalk >/dev/null 2>&1 && [ -x /usr/sbin/snmptrapd ] || scripts/install-deps.sh
fi
bench_build mr-agent,manager
fleet_init notification-latency
trapd=""
trap 'fleet_stop; [ -n "$trapd" ] && kill "$trapd" 2>/dev/null; echo "logs: $run"' EXIT
trap 'exit 130' INT TERM

# --- snmptrapd, the inform station -----------------------------------------------------------------
# A UDP port free a moment ago, drawn from the ephemeral range (snmptrapd binds it itself; were it
# taken meanwhile, snmptrapd exits and the run fails).
port=""
for _ in $(seq 1 50); do
  p=$((32768 + RANDOM % 28000))
  if [ -z "$(ss -Hlun "sport = :$p")" ]; then port=$p; break; fi
done
[ -n "$port" ] || { echo "no free UDP port found for snmptrapd" >&2; exit 1; }
cat >"$run/snmptrapd.conf" <<CONF
createUser $user SHA-256 $auth AES $priv
authUser log $user priv
CONF
mkdir -p "$run/snmptrapd-state"
# -f: foreground; -Lo: log to standard output (line-buffered through stdbuf); -On: numeric OIDs;
# -C: no other configuration. Each line is stamped as it is read.
( SNMP_PERSISTENT_DIR="$run/snmptrapd-state" MIBS= stdbuf -oL /usr/sbin/snmptrapd -f -Lo -On -C -c "$run/snmptrapd.conf" \
    -p "$run/snmptrapd.pid" "udp:127.0.0.1:$port" 2>&1 \
  | while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$run/traps.log" ) &
for _ in $(seq 1 100); do [ -s "$run/snmptrapd.pid" ] && grep -q 'NET-SNMP version' "$run/traps.log" && break; sleep 0.1; done
trapd=$(cat "$run/snmptrapd.pid" 2>/dev/null || true)
[ -n "$trapd" ] && still_running "$trapd" || { echo "snmptrapd did not start: $(cat "$run/traps.log")" >&2; exit 1; }
echo "snmptrapd: pid $trapd, udp:127.0.0.1:$port"

# --- the agents and the manager ----------------------------------------------------------------------
start_fleet host-1 host-2 host-3 host-4
start_manager "$poll" "snmp:
  address: 127.0.0.1
  port: 0
  users:
    - { name: $user, auth: SHA-256, authPassword: $auth, priv: AES-128, privPassword: $priv }
  notify:
    - { address: 127.0.0.1, port: $port, user: $user, type: inform, retries: 3, timeout: 1s }
"
api=${api%/}
get() { curl -sS -f -H "Authorization: Bearer $viewer" "$api/$1"; }
shop_state() { get services/shop | sed -n 's/^{[^{]*"state" *: *"\([A-Z]*\)".*/\1/p'; }
curl -sS -f -H "Authorization: Bearer $operator" -H 'Content-Type: application/yaml' --data-binary @examples/shop.yaml \
  "$api/definitions" >/dev/null
for _ in $(seq 1 60); do
  status=$(curl -sS -o "$run/start.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $operator" "$api/services/shop/start")
  [ "$status" = 409 ] || break
  sleep 1
done
[ "${status:0:1}" = 2 ] || { echo "starting the shop answered $status: $(head -c 600 "$run/start.json")" >&2; exit 1; }

# Waits until the shop is in STATE; fails after CYCLE_TIMEOUT or when a process died.
await_shop() { # STATE
  local deadline=$((SECONDS + cycle_timeout))
  until [ "$(shop_state)" = "$1" ]; do
    require_running "$manager" "the manager"
    require_running "$trapd" snmptrapd
    [ "$SECONDS" -lt "$deadline" ] || { echo "the shop was not $1 after $cycle_timeout s: $(get services/shop | head -c 600)" >&2; exit 1; }
    sleep 0.05
  done
}
await_shop UP
# Where the shop's RUNNING web VMs are: "NAME HOST" lines.
web_vms() {
  get vms | tr '{' '\n' | grep '"application" *: *"web"' | grep '"service" *: *"shop"' | grep '"state" *: *"RUNNING"' \
    | sed -n 's/.*"name" *: *"\([^"]*\)".*"host" *: *"\([^"]*\)".*/\1 \2/p'
}
# A VM's state as GET /api/v1/vms shows it.
vm_state() { # NAME
  get vms | tr '{' '\n' | grep "\"name\" *: *\"$1\"" | sed -n 's/.*"state" *: *"\([A-Z_]*\)".*/\1/p' | head -1
}
sleep 2
since=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
informs_before=$(grep -c '32473\.2\.0\.1[^0-9]' "$run/traps.log" || true)
echo "machine: $(nproc) cores, poll $poll; load average at the start: $(load_average)"
for c in $(seq 1 "$cycles"); do
  read -r vm host < <(web_vms | shuf -n 1) || true
  [ -n "${vm:-}" ] || { echo "cycle $c: no RUNNING web VM: $(get vms | head -c 600)" >&2; exit 1; }
  read -r _ aport apass _ < <(grep "^$host " "$run/agents")
  echo "$EPOCHREALTIME" >>"$run/destroyed"
  curl -sS -f -u "federa:$apass" -d "{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"destroyVm\",\"arguments\":[\"$vm\"]}" \
    "http://127.0.0.1:$aport/jolokia/" | grep -q '"status":200' || { echo "cycle $c: destroying $vm on $host failed" >&2; exit 1; }
  # The shop goes DEGRADED unless the manager starts the VM again before its history looks (it
  # then records no change): the cycle ends once the VM was seen down (or the shop DEGRADED) and
  # then the shop is UP with the VM RUNNING again.
  down=""
  deadline=$((SECONDS + cycle_timeout))
  while :; do
    read -r s v < <(echo "$(shop_state) $(vm_state "$vm")")
    if [ -z "$down" ]; then
      { [ "$s" = DEGRADED ] || [ "${v:-}" != RUNNING ]; } && down=1
    elif [ "$s" = UP ] && [ "${v:-}" = RUNNING ]; then
      break
    fi
    require_running "$manager" "the manager"
    require_running "$trapd" snmptrapd
    [ "$SECONDS" -lt "$deadline" ] || { echo "cycle $c: $vm not back after $cycle_timeout s: $(get services/shop | head -c 600)" >&2; exit 1; }
    sleep 0.05
  done
  # A pause of 0–1 s, so that the next change falls anywhere in the manager's poll and history intervals.
  sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
done
sleep 5
require_running "$manager" "the manager"
require_running "$trapd" snmptrapd

# The shop's changes as the manager recorded them: "EPOCH_SECONDS STATE", oldest first.
get "events?kind=service.state&since=$since&limit=10000" | tr '{' '\n' | grep '"subject" *: *"shop"' \
  | sed -n 's/.*"at" *: *"\([^"]*\)".*"message" *: *"service shop is \([A-Z]*\).*/\1 \2/p' \
  | while read -r at state; do echo "$(date -d "$at" +%s.%N) $state"; done | sort -g >"$run/events"
# The informs for the shop after the mark: "EPOCH_SECONDS STATE" (federaMgrServiceState.shop's value).
grep '32473\.2\.0\.1[^0-9]' "$run/traps.log" | tail -n +"$((informs_before + 1))" \
  | sed -n 's/^\([0-9.]*\) .*\.1\.3\.6\.1\.4\.1\.32473\.2\.1\.2\.1\.4\.4\.115\.104\.111\.112 = INTEGER: \([0-9]*\).*/\1 \2/p' \
  | awk '{print $1, ($2 == 2 ? "UP" : $2 == 3 ? "DEGRADED" : $2 == 4 ? "DOWN" : $2 == 5 ? "STOPPED" : "UNKNOWN")}' >"$run/informs"
n_events=$(wc -l <"$run/events"); n_informs=$(wc -l <"$run/informs")
echo "the shop's changes over $cycles cycles: $n_events events, $n_informs informs"
[ "$n_events" -ge 2 ] && [ "$n_events" = "$n_informs" ] \
  || { echo "events and informs do not pair: $n_events and $n_informs" >&2; exit 1; }
paste -d' ' "$run/events" "$run/informs" >"$run/pairs"
awk '$2 != $4 { print "change " NR ": the event says " $2 ", the inform " $4; bad = 1 } END { exit bad }' "$run/pairs" >&2
awk '{printf "%d %s %.1f\n", NR, $2, ($3 - $1) * 1000}' "$run/pairs" >"$run/latency"
echo "change | state | inform after the event (ms)"
awk '{printf "%6d | %-8s | %8.1f\n", $1, $2, $3}' "$run/latency"
awk '{print $3}' "$run/latency" | sort -g | awk '{v[NR] = $1} END {
  r50 = int(NR * 0.50 + 0.999999); r90 = int(NR * 0.90 + 0.999999); r99 = int(NR * 0.99 + 0.999999)
  printf "latency over %d changes (nearest rank): p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (min %.1f ms)\n",
    NR, v[r50], v[r90], v[r99], v[NR], v[1] }'
echo "the manager's counters: $(curl -sS "${api%/api/v1}/metrics" -H "Authorization: Bearer $viewer" \
  | grep -E '^federa_snmp_notifications_(sent|failed|dropped)_total' | tr '\n' ' ')"
# For scale: from the VM's power-off (the Jolokia call sent) to the manager's DEGRADED event, which
# takes the agent's sampling, the manager's poll and its history's interval.
# Each DEGRADED event is paired with the latest power-off before it.
{ sed 's/$/ off/' "$run/destroyed"; awk '$2 == "DEGRADED" {print $1, "event"}' "$run/events"; } | sort -g \
  | awk '$2 == "off" {off = $1} $2 == "event" && off {printf "%.0f\n", ($1 - off) * 1000; off = 0}' | sort -n | awk '{v[NR] = $1} END {
    printf "for scale, power-off to the DEGRADED event: p50 %d ms, max %d ms over the %d cycles the manager recorded one\n", v[int(NR * 0.5 + 0.999999)], v[NR], NR }'
echo "load average at the end: $(load_average)"
