#!/usr/bin/env bash
# Benchmark, pair by pair in one run: moving a VM's data agent to agent against curl fetching the
# same file from a plain HTTP server and forcing it to the disk, and the disk's own floor. Two MR
# agent processes (host-1, host-2: empty test nodes derived from demo/host-2.yaml, every port
# ephemeral on loopback) and a SIZE_MIB MiB file of random data (default 1024; not sparse) as the
# disk of a VM in host-1's data directory. Then PAIRS times (default 5), in this order:
#   agent       host-1 offerData, host-2 importData; transferStatus every 250 ms until VERIFIED;
#               the figure is host-2's elapsedMillis (import start to VERIFIED: pull, SHA-256 on
#               both sides, O_DIRECT writes, one force, rename, completion record); host-2's copy
#               is discarded afterwards
#   curl+fsync  curl -s -o FILE http://127.0.0.1:PORT/disk0.raw from python3 -m http.server
#               serving host-1's VM directory, then `sync FILE` (fsync): the copy, like the
#               agent's, ends on the disk, not in the page cache
#   dd direct   dd if=/dev/zero of=FILE bs=4M oflag=direct conv=fsync of the same size: what the
#               disk takes to write it around the page cache, the floor of any durable copy
# All three write into the run directory, on the same file system as the agents' data.
# Prints each pair (times, MB/s = 10^6 bytes/s, agent/(curl+fsync), the CPU seconds each agent
# spent on the copy and its threads that took 50 ms or more, the load average), the median ratio and the load at the start and end, and
# writes the summary to bench/target/transfer-summary.txt. Fails when a process under test dies,
# an import does not end within STEP_TIMEOUT seconds (default 300), or a copy is short.
#
#   bench/transfer-vs-curl.sh [PAIRS]
# Environment: SKIP_BUILD=1 to use the jar already built, MVN_FLAGS; AGENT_JAR (another build of the
# agent, with its lib/ beside it, to compare with); SIZE_MIB; AGENT_JAVA_OPTS
# (default -Xmx256m); JFR=1 to record each agent with Java Flight Recorder (profile settings) into
# bench/target/transfer-host-1.jfr and -host-2.jfr.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
size_mib=${SIZE_MIB:-1024}
step_timeout=${STEP_TIMEOUT:-300}
. bench/lib/processes.sh
bench_build mr-agent

run=$(mktemp -d /tmp/federa-transfer.XXXXXX)
declare -A pid
on_exit() {
  local status=$?
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pid[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then print_failed_logs "$run"; fi
  rm -rf "$run"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# The demo host's configuration without its VMs, under another id, every port ephemeral.
agent_yaml() { # ID
  sed -E -e '/^    vms:$/,/^[^ ]|^    [a-z]/{/^    vms:$/d;/^      - /d}' \
    -e 's/^  port: (97|161|87)[0-9]+$/  port: 0/' \
    -e "0,/^  id: .*/s//  id: $1/" \
    -e "s|^dataDir: .*|dataDir: $run/$1-data|" \
    demo/host-2.yaml >"$run/$1.yaml"
}

# Starts agent ID (not in a subshell: its pid stays this shell's child, so a death is seen);
# sets pid[ID] and url[ID] (its Jolokia URL).
declare -A url
start_agent() { # ID
  local jfr=""
  if [ "${JFR:-}" = 1 ]; then
    mkdir -p bench/target
    jfr="-XX:StartFlightRecording=filename=bench/target/transfer-$1.jfr,settings=profile"
  fi
  # shellcheck disable=SC2086
  java ${AGENT_JAVA_OPTS:--Xmx256m} $jfr -jar "${AGENT_JAR:-mr-agent/target/mr-agent.jar}" "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  pid[$1]=$!
  await_ready "${pid[$1]}" "$run/$1.log" 120
  url[$1]=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "${url[$1]}" ] || { echo "agent $1 names no Jolokia URL" >&2; exit 1; }
}
alive() { for k in "${!pid[@]}"; do require_running "${pid[$k]}" "$k"; done; }

# exec JOLOKIA_URL OPERATION ARGUMENT -> the operation's answer (a JSON string), or exits on an error
jexec() {
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"type":"exec","mbean":"federa:type=Agent","operation":sys.argv[1],"arguments":[sys.argv[2]]}))' "$2" "$3")
  curl -s --max-time 60 -u federa:demo-password-2 "$1" -d "$body" | python3 -c '
import json,sys
r=json.load(sys.stdin)
if r.get("status")!=200: sys.exit("jolokia: "+json.dumps(r))
print(r["value"])'
}
# await_import JOLOKIA_URL MIGRATION_ID PID... -> the import's last transferStatus, once it is no
# longer RUNNING; fails after STEP_TIMEOUT seconds or when one of PIDs is gone. One process polls
# every 250 ms: a python3 and a curl started per poll took about half a core from the agents.
await_import() {
  python3 - "$step_timeout" "$@" <<'PY'
import base64, json, os, sys, time, urllib.request
limit, url, mid, pids = float(sys.argv[1]), sys.argv[2], sys.argv[3], [int(p) for p in sys.argv[4:]]
body = json.dumps({"type": "exec", "mbean": "federa:type=Agent", "operation": "transferStatus", "arguments": [mid]}).encode()
auth = "Basic " + base64.b64encode(b"federa:demo-password-2").decode()
deadline = time.monotonic() + limit
while True:
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    raise FileNotFoundError
        except FileNotFoundError:
            sys.exit("agent (pid %d) died during import %s" % (p, mid))
    if time.monotonic() > deadline:
        sys.exit("import %s still RUNNING after %.0f s" % (mid, limit))
    req = urllib.request.Request(url, data=body, headers={"Authorization": auth, "Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req, timeout=30))
    if r.get("status") != 200:
        sys.exit("jolokia: " + json.dumps(r))
    if json.loads(r["value"])["phase"] != "RUNNING":
        print(r["value"])
        break
    time.sleep(0.25)  # the figure is the agent's own elapsedMillis; polling faster only takes CPU from the transfer
PY
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# CPU ticks of every thread of PID, by thread name with digits folded (agent-data-0 and -1 are
# one line): "name ticks" lines.
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(tr ' ' _ <"$t/comm" | tr -d '0-9')" "$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done 2>/dev/null | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}'
}
# The threads of ID that took 50 ms or more between the snapshot BEFORE and now: "name ms, …".
thread_cpu_since() { # ID BEFORE
  thread_ticks "${pid[$1]}" | awk -v t="$(getconf CLK_TCK)" 'NR == FNR {b[$1] = $2; next} {
      d = int(($2 - b[$1]) * 1000 / t); if (d >= 50) printf "%s %d ms\n", $1, d }' "$2" - | sort -k2 -nr | paste -sd, - | sed 's/,/, /g'
}

uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
vm="$run/host-1-data/vms/$uuid"
mkdir -p "$vm" "$run/curl"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(curl --version | head -1 | cut -d' ' -f1-2)"
echo "run directory: $run ($(df -T "$run" | awk 'NR==2 {print $1 ", " $2}')); load average at the start: $(load_average)"
echo "writing $size_mib MiB of random data to $vm/disk0.raw"
head -c "$((size_mib << 20))" /dev/urandom >"$vm/disk0.raw"
sync "$vm/disk0.raw"
bytes=$(stat -c %s "$vm/disk0.raw")

for id in host-1 host-2; do agent_yaml "$id"; start_agent "$id"; done
echo "agents: host-1 ${url[host-1]} (pid ${pid[host-1]}), host-2 ${url[host-2]} (pid ${pid[host-2]})"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$vm" "$port" >"$run/http.log" 2>&1 &
pid[http.server]=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/disk0.raw" && break; sleep 0.1; done

agent_copy() { # PAIR -> "elapsed_ms source_cpu_ms destination_cpu_ms"
  local token offered u data status c1 c2
  token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  c1=$(cpu_ms "${pid[host-1]}"); c2=$(cpu_ms "${pid[host-2]}")
  thread_ticks "${pid[host-1]}" >"$run/threads-1"; thread_ticks "${pid[host-2]}" >"$run/threads-2"
  offered=$(jexec "${url[host-1]}" offerData "{\"migrationId\":\"bench-$1\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"token\":\"$token\"}")
  u=$(field "$offered" url)
  data=$(field "$offered" dataBytes)
  jexec "${url[host-2]}" importData "{\"migrationId\":\"bench-$1\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"url\":\"$u\",\"token\":\"$token\",\"dataBytes\":$data}" >/dev/null
  status=$(await_import "${url[host-2]}" "bench-$1" "${pid[host-1]}" "${pid[host-2]}")
  [ "$(field "$status" phase)" = VERIFIED ] || { echo "pair $1: the import ended: $status" >&2; exit 1; }
  echo "$(field "$status" elapsedMillis) $(( $(cpu_ms "${pid[host-1]}") - c1 )) $(( $(cpu_ms "${pid[host-2]}") - c2 ))"
  { echo "     source threads: $(thread_cpu_since host-1 "$run/threads-1")"
    echo "     destination threads: $(thread_cpu_since host-2 "$run/threads-2")"; } >"$run/threads.txt"
  jexec "${url[host-2]}" discardData "{\"migrationId\":\"bench-$1\",\"uuid\":\"$uuid\"}" >/dev/null
}
curl_fsync() { # -> elapsed ms of curl and sync together
  local t0 t1 f="$run/curl/disk0.raw"
  t0=$(now_ms)
  curl -s --max-time "$step_timeout" -o "$f" "http://127.0.0.1:$port/disk0.raw"
  sync "$f"
  t1=$(now_ms)
  [ "$(stat -c %s "$f")" = "$bytes" ] || { echo "curl fetched a short file" >&2; exit 1; }
  rm -f "$f"
  echo $((t1 - t0))
}
dd_direct() { # -> elapsed ms of dd writing as many bytes with O_DIRECT, then fsync
  local t0 t1 f="$run/curl/dd.raw"
  t0=$(now_ms)
  timeout "$step_timeout" dd if=/dev/zero of="$f" bs=4M count=$((size_mib / 4)) oflag=direct conv=fsync status=none
  t1=$(now_ms)
  rm -f "$f"
  echo $((t1 - t0))
}

: >"$run/pairs"
printf '%-4s %-26s %-18s %-18s %6s %-18s %s\n' pair "agent (cpu src/dst)" "curl+fsync" "dd direct" ratio "load average" >&2
for i in $(seq 1 "$pairs"); do
  out=$(agent_copy "$i")   # $(…) alone: a failed copy ends the script (set -e)
  read -r a acpu1 acpu2 <<<"$out"
  alive
  c=$(curl_fsync)
  d=$(dd_direct)
  alive
  echo "$i $a $c $d $acpu1 $acpu2 $(load_average)" >>"$run/pairs"
  awk -v b="$bytes" '{ printf "%-4d %5d ms %4.0f MB/s %4.2f/%4.2f s  %5d ms %4.0f MB/s  %5d ms %4.0f MB/s  %6.2f  %s %s %s\n",
      $1, $2, b / $2 / 1e3, $5 / 1e3, $6 / 1e3, $3, b / $3 / 1e3, $4, b / $4 / 1e3, $3 / $2, $7, $8, $9 }' <<<"$(tail -1 "$run/pairs")" >&2
  cat "$run/threads.txt" >&2
done

mkdir -p bench/target
python3 - "$bytes" "$run/pairs" "$size_mib" "$(load_average)" <<'PY' | tee bench/target/transfer-summary.txt
import statistics, sys
b, rows, mib, load_end = int(sys.argv[1]), [l.split() for l in open(sys.argv[2])], sys.argv[3], sys.argv[4]
med = lambda i: statistics.median(int(r[i]) for r in rows)
rate = lambda ms: b / ms / 1e3
print("%s MiB of random data (not sparse), %d pairs, medians:" % (mib, len(rows)))
print("  agent to agent (to VERIFIED):  %4.0f MB/s  (runs: %s ms)" % (rate(med(1)), ", ".join(r[1] for r in rows)))
print("  curl + fsync:                  %4.0f MB/s  (runs: %s ms)" % (rate(med(2)), ", ".join(r[2] for r in rows)))
print("  dd O_DIRECT + fsync (floor):   %4.0f MB/s  (runs: %s ms)" % (rate(med(3)), ", ".join(r[3] for r in rows)))
print("  CPU per copy: source %.2f s, destination %.2f s" % (med(4) / 1e3, med(5) / 1e3))
ratios = sorted(int(r[2]) / int(r[1]) for r in rows)
print("agent/(curl+fsync), median of the per-pair ratios: %.2f (lowest %.2f, highest %.2f; goal >= 0.9)"
      % (statistics.median(ratios), ratios[0], ratios[-1]))
print("load average: %s at the first pair, %s at the end" % (" ".join(rows[0][6:9]), load_end))
PY
