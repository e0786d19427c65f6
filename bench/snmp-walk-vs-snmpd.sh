#!/usr/bin/env bash
# Benchmark, pair by pair in one run: the MR agent's vmTable with ROWS VMs (default 5000) walked by
# net-snmp's snmpbulkwalk, and net-snmp's own snmpd serving an ifTable of as many rows (interfaces
# made in a private network namespace), walked by the same client with the same options. Both
# sides use SNMPv3 authPriv with the same protocols: HMAC-SHA-256 and AES-128 (the agent offers
# SHA-2 and AES only, docs/snmp.md; snmpd's usmUser is made with `createUser U SHA-256 A AES P`).
# After one warm-up walk each, PAIRS pairs (default 9) alternate agent, snmpd, agent, snmpd …
# with both processes running throughout, so that whatever else loads the machine falls on both
# alike. Prints every pair (both times, varbinds/s of each, agent/snmpd), the median of the
# per-pair ratios, and the load average at the start and the end.
# Fails when a process under test dies, a walk fails, answers a different number of varbinds, or
# takes longer than WALK_TIMEOUT seconds (default 60).
# Needs root (network namespace) and Debian's snmpd and iproute2.
#   bench/snmp-walk-vs-snmpd.sh [ROWS] [PAIRS]
# Environment: SKIP_BUILD=1 to use the jar already built, MVN_FLAGS, AGENT_JAVA_OPTS (e.g. a
# flight recording: -XX:StartFlightRecording=filename=/tmp/walk.jfr,settings=profile),
# SAMPLE_INTERVAL (the agent's, default 5s), AGENT_JAR (another build of the agent to compare with,
# default mr-agent/target/mr-agent.jar).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-5000}
pairs=${2:-9}
walk_timeout=${WALK_TIMEOUT:-60}
. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
command -v ip >/dev/null 2>&1 || apt-get install -y -qq iproute2 >/dev/null
bench_build mr-agent

run=$(mktemp -d /tmp/federa-snmp.XXXXXX)
ns="federa-snmp-${run##*.}"   # private to this run: another run's namespace is never touched
agent=""
snmpd_pid=""
cleanup() {
  local status=$?
  for p in $agent $snmpd_pid; do kill "$p" 2>/dev/null || true; done
  for p in $agent $snmpd_pid; do wait "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  if [ "$status" -ne 0 ]; then print_failed_logs "$run"; fi
  rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

user=bench; auth=bench-auth-pass; priv=bench-priv-pass
export MIBS=
sec=(-v3 -l authPriv -u "$user" -a SHA-256 -A "$auth" -x AES -X "$priv" -On -Cr50 -t 10 -r 1)

# --- the MR agent, libvirt's test driver with $rows VMs --------------------------------------
# The agent reads at most 256 KiB of configuration (ConfigYaml), some 2,500 VMs of the test node:
# the node is seeded in parts of 2,000 VMs, each by an agent started on a data directory of its
# own and stopped once ready, and the parts' domains (one file each, TestDriverState) are then
# put together in one data directory, which the agent under test opens as its seeded state.
agent_config() { # DATA_DIR FIRST LAST
  cat <<YAML
host: { id: bench-host, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 4096
    memoryMiB: 67108864
    storageGiB: 1000000
    vms:
YAML
  for i in $(seq "$2" "$3"); do
    echo "      - { name: vm-$i, application: app-$((i % 10)), service: svc-$((i % 3)), vcpus: 1, memoryMiB: 256, diskGiB: 1 }"
  done
  cat <<YAML
capacity: { networkMbps: 10000 }
cost: { currency: EUR, perCpuSecond: 0.00001, perStorageGiBHour: 0.0001, perNetworkGB: 0.01, perNetworkPacket: 0.0000001 }
jolokia: { address: 127.0.0.1, port: 0, users: [ { name: bench, password: bench-password } ] }
metrics: { address: 127.0.0.1, port: 0 }
snmp: { address: 127.0.0.1, port: 0, users: [ { name: $user, auth: SHA-256, authPassword: $auth, priv: AES-128, privPassword: $priv } ] }
dataDir: $1
sampleInterval: ${SAMPLE_INTERVAL:-5s}
YAML
}
part=2000
for first in $(seq "$((part + 1))" "$part" "$rows"); do
  last=$((first + part - 1 < rows ? first + part - 1 : rows))
  agent_config "$run/part-$first" "$first" "$last" >"$run/part-$first.yaml"
  java -Xmx1g -jar mr-agent/target/mr-agent.jar "$run/part-$first.yaml" >"$run/part-$first.log" 2>&1 &
  agent=$!
  await_ready "$agent" "$run/part-$first.log" 180
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
done
agent_config "$run/data" 1 "$((rows < part ? rows : part))" >"$run/agent.yaml"
if [ "$rows" -gt "$part" ]; then
  java -Xmx1g -jar mr-agent/target/mr-agent.jar "$run/agent.yaml" >"$run/part-1.log" 2>&1 &
  agent=$!
  await_ready "$agent" "$run/part-1.log" 180
  kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
  for d in "$run"/part-*/; do
    cp -a "$d/test-driver/domains/." "$run/data/test-driver/domains/"
    cp -a "$d/vms/." "$run/data/vms/"
    rm -rf "$d"
  done
fi
# shellcheck disable=SC2086
java -Xmx1g ${AGENT_JAVA_OPTS:-} -jar "${AGENT_JAR:-mr-agent/target/mr-agent.jar}" "$run/agent.yaml" >"$run/agent.log" 2>&1 &
agent=$!

# --- snmpd in a network namespace with $rows interfaces (lo and rows-1 … rows veth ends) --------
ip netns add "$ns"
ip -n "$ns" link set lo up
for i in $(seq 1 $((rows / 2))); do echo "link add va$i type veth peer name vb$i"; done >"$run/links"
ip -n "$ns" -batch "$run/links"
cat >"$run/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:16199
dontLogTCPWrappersConnects yes
createUser $user SHA-256 $auth AES $priv
rouser $user priv
CONF
# Its persistent state (engine id, boots, localized keys) stays in the run directory, not in
# /var/lib/snmp where another snmpd on the machine keeps its own.
mkdir -p "$run/snmpd-state"
ip netns exec "$ns" env MIBS= SNMP_PERSISTENT_DIR="$run/snmpd-state" \
  /usr/sbin/snmpd -f -Lf "$run/snmpd.log" -C -c "$run/snmpd.conf" -p "$run/snmpd.pid" >/dev/null 2>&1 &
snmpd_pid=$!   # ip netns exec execs snmpd: this is snmpd's own pid

await_ready "$agent" "$run/agent.log" 180
addr=$(sed -n 's/.* snmp udp:\([0-9.]*\)\/\([0-9]*\) .*/udp:\1:\2/p' "$run/agent.log")
[ -n "$addr" ] || { echo "the agent's log names no SNMP address" >&2; exit 1; }
require_running "$snmpd_pid" snmpd

# walk SIDE -> "varbinds nanoseconds client_cpu_ms server_cpu_ms transport_cpu_ms": the walk's
# wall time, the CPU time snmpbulkwalk spent (it decrypts, parses and prints every varbind), the
# CPU time the process walked spent meanwhile, and of that, for the agent, its SNMP transport
# thread's (which answers the reads; the rest is mostly the sampler). Fails if the walk fails,
# hangs or a process died.
walk() {
  local side=$1 t0 t1 n c0 c1 server status=0
  local cmd=(timeout "$walk_timeout" snmpbulkwalk "${sec[@]}")
  if [ "$side" = agent ]; then server=$agent; cmd+=("$addr" 1.3.6.1.2.1.236.1.4)
  else server=$snmpd_pid; cmd=(ip netns exec "$ns" "${cmd[@]}" udp:127.0.0.1:16199 1.3.6.1.2.1.2.2); fi
  c0=$(cpu_ms "$server")
  local u0 u1
  u0=$(transport_ms)
  t0=$(date +%s%N)
  { time "${cmd[@]}" >"$run/walk.out" 2>"$run/walk.err"; } 2>"$run/walk.time" || status=$?
  t1=$(date +%s%N)
  c1=$(cpu_ms "$server")
  u1=$(transport_ms)
  n=$(wc -l <"$run/walk.out")
  if [ "$status" = 124 ]; then echo "the $side walk hung: no end after $walk_timeout s ($n varbinds)" >&2; exit 1; fi
  [ "$side" = agent ] && require_running "$agent" "the agent"
  [ "$side" = snmpd ] && require_running "$snmpd_pid" snmpd
  if [ "$status" != 0 ] || [ "$n" = 0 ]; then
    echo "the $side walk failed (exit $status, $n varbinds): $(head -3 "$run/walk.err")" >&2; exit 1
  fi
  echo "$n $((t1 - t0)) $(awk '{printf "%d", ($1 + $2) * 1000}' "$run/walk.time") $((c1 - c0)) $((u1 - u0))"
}
TIMEFORMAT='%U %S'
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat"; }
# CPU ms of the agent's SNMP4J transport thread(s) (DefaultUDPTransportMapping_…), 0 if none yet.
transport_ms() {
  grep -l '^DefaultUDPTrans' /proc/"$agent"/task/*/comm 2>/dev/null | while read -r c; do cat "${c%comm}stat"; done \
    | awk -v t="$(getconf CLK_TCK)" '{s += $14 + $15} END {print int(s * 1000 / t)}'
}

echo "machine: $(nproc) cores; client: $(snmpbulkwalk -V 2>&1); load average at the start: $(load_average)"
echo "both sides: SNMPv3 authPriv, HMAC-SHA-256 and AES-128; snmpbulkwalk -v3 -l authPriv -a SHA-256 -x AES -On -Cr50 -t 10 -r 1"
echo "the agent's vmTable ($rows VMs) and snmpd's ifTable ($(ip -n "$ns" -o link | wc -l) interfaces), one warm-up walk each:"
# Each walk in $(…), not <(…): a failing walk then ends the script (set -e).
w=$(walk agent); a_rows=${w%% *}
w=$(walk snmpd); s_rows=${w%% *}
echo "  $a_rows varbinds from the agent, $s_rows from snmpd"
: >"$run/pairs"
printf '%-4s | %-37s | %-37s | %5s\n' pair "agent: s (varbinds/s) cpu client/agent" "snmpd: s (varbinds/s) cpu client/snmpd" ratio
for p in $(seq 1 "$pairs"); do
  w=$(walk agent); read -r an ans acl asv atr <<<"$w"
  w=$(walk snmpd); read -r sn sns scl ssv _ <<<"$w"
  [ "$an" = "$a_rows" ] && [ "$sn" = "$s_rows" ] || { echo "pair $p: $an and $sn varbinds, not $a_rows and $s_rows" >&2; exit 1; }
  echo "$p $an $ans $acl $asv $sn $sns $scl $ssv $atr" >>"$run/pairs"
  awk -v p="$p" -v an="$an" -v at="$ans" -v acl="$acl" -v asv="$asv" -v sn="$sn" -v st="$sns" -v scl="$scl" -v ssv="$ssv" 'BEGIN {
    ar = an / (at / 1e9); sr = sn / (st / 1e9)
    printf "%-4d | %6.3f s (%7.0f /s) %5.2f/%5.2f s | %6.3f s (%7.0f /s) %5.2f/%5.2f s | %5.2f\n",
      p, at / 1e9, ar, acl / 1e3, asv / 1e3, st / 1e9, sr, scl / 1e3, ssv / 1e3, ar / sr }'
done
# per pair: the agent's rate over snmpd's
awk '{print ($2 / $3) / ($6 / $7)}' "$run/pairs" | sort -g | awk '{a[NR] = $1} END {
  m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
  printf "median of the %d per-pair ratios agent/snmpd: %.2f (lowest %.2f, highest %.2f)\n", NR, m, a[1], a[NR] }'
awk '{ac += $4; as += $5; at += $3; sc += $8; ss += $9; st += $7} END {
  printf "CPU per walk, mean: client %.3f s and agent %.3f s of %.3f s (agent side); client %.3f s and snmpd %.3f s of %.3f s (snmpd side)\n",
    ac / NR / 1e3, as / NR / 1e3, at / NR / 1e9, sc / NR / 1e3, ss / NR / 1e3, st / NR / 1e9 }' "$run/pairs"
awk '{print $10}' "$run/pairs" | sort -n | awk '{a[NR] = $1} END {
  printf "the agent'"'"'s SNMP transport thread per walk: median %d ms (lowest %d, highest %d)\n", a[int((NR + 1) / 2)], a[1], a[NR] }'
echo "load average at the end: $(load_average)"
