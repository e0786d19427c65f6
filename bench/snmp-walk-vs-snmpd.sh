#!/usr/bin/env bash
# Benchmark, side by side in one run: the MR agent's vmTable with N VMs (default 5000) walked by
# net-snmp's snmpbulkwalk, and net-snmp's own snmpd serving an ifTable of as many rows (interfaces
# made in a private network namespace), walked by the same client with the same options
# (SNMPv3 authPriv SHA-256/AES, -Cr50). Reports varbinds per second of each and the ratio.
# Needs root (network namespace) and Debian's snmpd and iproute2.
#   bench/snmp-walk-vs-snmpd.sh [ROWS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000}
runs=${2:-3}
scripts/install-deps.sh
command -v snmpd >/dev/null 2>&1 || [ -x /usr/sbin/snmpd ] || { apt-get install -y -qq snmpd >/dev/null; }
command -v ip >/dev/null 2>&1 || apt-get install -y -qq iproute2 >/dev/null
mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl mr-agent -am

ns=federa-snmp-bench
run=$(mktemp -d)
agent=""
snmpd_pid=""
cleanup() {
  [ -n "$agent" ] && kill "$agent" 2>/dev/null || true
  [ -n "$snmpd_pid" ] && kill "$snmpd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$run"
}
trap cleanup EXIT

user=bench; auth=bench-auth-pass; priv=bench-priv-pass
export MIBS=
sec=(-v3 -l authPriv -u "$user" -a SHA-256 -A "$auth" -x AES -X "$priv" -On -Cr50 -t 10 -r 1)

# --- the MR agent, libvirt's test driver with $rows VMs --------------------------------------
{
  cat <<YAML
host: { id: bench-host, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 4096
    memoryMiB: 67108864
    storageGiB: 1000000
    vms:
YAML
  for i in $(seq 1 "$rows"); do
    echo "      - { name: vm-$i, application: app-$((i % 10)), service: svc-$((i % 3)), vcpus: 1, memoryMiB: 256, diskGiB: 1 }"
  done
  cat <<YAML
capacity: { networkMbps: 10000 }
cost: { currency: EUR, perCpuSecond: 0.00001, perStorageGiBHour: 0.0001, perNetworkGB: 0.01, perNetworkPacket: 0.0000001 }
jolokia: { address: 127.0.0.1, port: 0, users: [ { name: bench, password: bench-password } ] }
metrics: { address: 127.0.0.1, port: 0 }
snmp: { address: 127.0.0.1, port: 0, users: [ { name: $user, auth: SHA-256, authPassword: $auth, priv: AES-128, privPassword: $priv } ] }
dataDir: $run/data
sampleInterval: 5s
YAML
} >"$run/agent.yaml"
java -Xmx1g ${AGENT_JAVA_OPTS:-} -jar mr-agent/target/mr-agent.jar "$run/agent.yaml" >"$run/agent.log" 2>&1 &
agent=$!

# --- snmpd in a network namespace with $rows interfaces --------------------------------------
ip netns del "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link set lo up
pairs=$(( (rows - 1 + 1) / 2 ))
for i in $(seq 1 "$pairs"); do echo "link add va$i type veth peer name vb$i"; done >"$run/links"
ip -n "$ns" -batch "$run/links"
cat >"$run/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:16199
dontLogTCPWrappersConnects yes
createUser $user SHA-256 $auth AES $priv
rouser $user priv
CONF
ip netns exec "$ns" env MIBS= /usr/sbin/snmpd -f -Lf "$run/snmpd.log" -C -c "$run/snmpd.conf" -p "$run/snmpd.pid" >/dev/null 2>&1 &
snmpd_pid=$!

for _ in $(seq 1 600); do grep -q ' ready ' "$run/agent.log" && break; sleep 0.2; done
grep -q ' ready ' "$run/agent.log" || { cat "$run/agent.log"; exit 1; }
addr=$(sed -n 's/.* snmp udp:\([0-9.]*\)\/\([0-9]*\) .*/udp:\1:\2/p' "$run/agent.log")
sleep 2

walk() { # label, command...; one warm-up walk, then $runs timed ones; prints "best median"
  local label=$1; shift
  local rates=()
  "$@" >/dev/null
  for r in $(seq 1 "$runs"); do
    local t0 t1 n
    t0=$(date +%s.%N)
    n=$("$@" | wc -l)
    t1=$(date +%s.%N)
    local rate
    rate=$(echo "$n / ($t1 - $t0)" | bc -l)
    printf '  %-8s run %d: %6d varbinds in %5.2f s = %8.0f varbinds/s\n' "$label" "$r" "$n" "$(echo "$t1 - $t0" | bc -l)" "$rate" >&2
    rates+=("$rate")
  done
  printf '%s\n' "${rates[@]}" | sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; print a[NR], m}'
}

echo "machine: $(nproc) cores; client: $(snmpbulkwalk -V 2>&1)"
echo "walking the agent's vmTable ($rows VMs) and snmpd's ifTable ($(ip -n "$ns" -o link | wc -l) interfaces):"
read -r a_best a_med < <(walk agent snmpbulkwalk "${sec[@]}" "$addr" 1.3.6.1.2.1.236.1.4)
# The agent stops before snmpd is walked, so its sampler (5,000 VMs read every 5 s) takes no CPU
# from snmpd's turn; snmpd, idle during the agent's turn, takes none from it.
kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
read -r s_best s_med < <(walk snmpd ip netns exec "$ns" snmpbulkwalk "${sec[@]}" udp:127.0.0.1:16199 1.3.6.1.2.1.2.2)
[ "$(echo "$s_best > 0" | bc)" = 1 ] || { echo "snmpd answered nothing; its log:"; cat "$run/snmpd.log"; exit 1; }
printf 'median of %d: agent %.0f varbinds/s, snmpd %.0f varbinds/s, ratio %.2f\n' "$runs" "$a_med" "$s_med" "$(echo "$a_med / $s_med" | bc -l)"
printf 'best of %d:   agent %.0f varbinds/s, snmpd %.0f varbinds/s, ratio %.2f\n' "$runs" "$a_best" "$s_best" "$(echo "$a_best / $s_best" | bc -l)"
