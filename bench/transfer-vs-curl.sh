#!/usr/bin/env bash
# Benchmark, side by side in one run: moving a VM's data agent to agent against curl fetching the
# same file from a plain HTTP server. Two MR agent processes (host-1, host-2: empty test nodes
# derived from demo/host-2.yaml, every port ephemeral on loopback) and a 1 GiB file of random
# data (not sparse) as the disk of a VM in host-1's data directory. Then RUNS times (default 3):
#   agent  host-1 offerData, host-2 importData; transferStatus every 250 ms until VERIFIED; the
#          figure is host-2's elapsedMillis (import start to VERIFIED: pull, SHA-256 on both sides,
#          fsync, rename, completion record); host-2's copy is discarded afterwards
#   curl   curl -s -o FILE http://127.0.0.1:PORT/disk0.raw from python3 -m http.server serving
#          host-1's VM directory, written to the same file system (no fsync: curl does none)
# Prints each run, the medians in MB/s (10^6 bytes per second) and agent/curl, and writes the
# summary to bench/target/transfer-summary.txt.
#
#   bench/transfer-vs-curl.sh [RUNS]
# Environment: SKIP_BUILD=1 to use the jar already built; SIZE_MIB (default 1024).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
size_mib=${SIZE_MIB:-1024}

if [ -z "${SKIP_BUILD:-}" ]; then
  mvn -B -q -ntp -Dstyle.color=never -DskipTests package -pl mr-agent -am
fi

run=$(mktemp -d /tmp/federa-transfer.XXXXXX)
: >"$run/pids"
stop() {
  while read -r p; do kill "$p" 2>/dev/null || true; done <"$run/pids"
  for _ in $(seq 1 50); do
    alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$run/pids"
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  rm -rf "$run/host-1-data/vms" "$run/host-2-data/vms" "$run/curl"
}
trap 'stop; echo "logs: $run"' EXIT

# The demo host's configuration without its VMs, under another id, every port ephemeral.
agent_yaml() { # ID
  sed -E -e '/^    vms:$/,/^[^ ]|^    [a-z]/{/^    vms:$/d;/^      - /d}' \
    -e 's/^  port: (97|161|87)[0-9]+$/  port: 0/' \
    -e "0,/^  id: .*/s//  id: $1/" \
    -e "s|^dataDir: .*|dataDir: $run/$1-data|" \
    demo/host-2.yaml >"$run/$1.yaml"
}

start_agent() { # ID -> jolokia url
  java ${AGENT_JAVA_OPTS:--Xmx256m} -jar mr-agent/target/mr-agent.jar "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  echo "$!" >>"$run/pids"
  for _ in $(seq 1 600); do grep -qs ' ready ' "$run/$1.log" && break; sleep 0.1; done
  local url
  url=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "$url" ] || { cat "$run/$1.log" >&2; exit 1; }
  echo "$url"
}

# exec JOLOKIA_URL OPERATION ARGUMENT -> the operation's answer (a JSON string), or exits on an error
jexec() {
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"type":"exec","mbean":"federa:type=Agent","operation":sys.argv[1],"arguments":[sys.argv[2]]}))' "$2" "$3")
  curl -s -u federa:demo-password-2 "$1" -d "$body" | python3 -c '
import json,sys
r=json.load(sys.stdin)
if r.get("status")!=200: sys.exit("jolokia: "+json.dumps(r))
print(r["value"])'
}
# await_import JOLOKIA_URL MIGRATION_ID -> the import's last transferStatus, once it is no longer RUNNING.
# One process polls every 250 ms: a python3 and a curl started per poll (three python3 through a
# pyenv shim each time) took about half a core from the two agents being measured.
await_import() {
  python3 - "$1" "$2" <<'PY'
import base64, json, sys, time, urllib.request
url, mid = sys.argv[1], sys.argv[2]
body = json.dumps({"type": "exec", "mbean": "federa:type=Agent", "operation": "transferStatus", "arguments": [mid]}).encode()
auth = "Basic " + base64.b64encode(b"federa:demo-password-2").decode()
while True:
    req = urllib.request.Request(url, data=body, headers={"Authorization": auth, "Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req))
    if r.get("status") != 200:
        sys.exit("jolokia: " + json.dumps(r))
    if json.loads(r["value"])["phase"] != "RUNNING":
        print(r["value"])
        break
    time.sleep(0.25)  # the figure is the agent's own elapsedMillis; polling faster only takes CPU from the transfer
PY
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
vm="$run/host-1-data/vms/$uuid"
mkdir -p "$vm" "$run/curl"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(curl --version | head -1 | cut -d' ' -f1-2)"
echo "run directory: $run ($(df -T "$run" | awk 'NR==2 {print $2}'))"
echo "writing $size_mib MiB of random data to $vm/disk0.raw"
head -c "$((size_mib << 20))" /dev/urandom >"$vm/disk0.raw"
bytes=$(stat -c %s "$vm/disk0.raw")

for id in host-1 host-2; do agent_yaml "$id"; done
src=$(start_agent host-1)
dst=$(start_agent host-2)
echo "agents: host-1 $src, host-2 $dst"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$vm" "$port" >"$run/http.log" 2>&1 &
echo "$!" >>"$run/pids"
for _ in $(seq 1 100); do curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$port/disk0.raw" && break; sleep 0.1; done

: >"$run/agent.ms"
: >"$run/curl.ms"
for i in $(seq 1 "$runs"); do
  token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  offered=$(jexec "$src" offerData "{\"migrationId\":\"bench-$i\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"token\":\"$token\"}")
  url=$(field "$offered" url)
  data=$(field "$offered" dataBytes)
  jexec "$dst" importData "{\"migrationId\":\"bench-$i\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"url\":\"$url\",\"token\":\"$token\",\"dataBytes\":$data}" >/dev/null
  status=$(await_import "$dst" "bench-$i")
  phase=$(field "$status" phase)
  [ "$phase" = VERIFIED ] || { echo "run $i: import ended $phase: $status"; exit 1; }
  ms=$(field "$status" elapsedMillis)
  echo "$ms" >>"$run/agent.ms"
  jexec "$dst" discardData "{\"migrationId\":\"bench-$i\",\"uuid\":\"$uuid\"}" >/dev/null

  t0=$(date +%s%N)
  curl -s -o "$run/curl/disk0.raw" "http://127.0.0.1:$port/disk0.raw"
  t1=$(date +%s%N)
  [ "$(stat -c %s "$run/curl/disk0.raw")" = "$bytes" ] || { echo "curl fetched a short file"; exit 1; }
  rm -f "$run/curl/disk0.raw"
  cms=$(( (t1 - t0) / 1000000 ))
  echo "$cms" >>"$run/curl.ms"
  python3 -c 'import sys; b=int(sys.argv[1]); a=int(sys.argv[2]); c=int(sys.argv[3]); print("run %s: agent %d ms (%.0f MB/s), curl %d ms (%.0f MB/s)" % (sys.argv[4], a, b/a/1e3, c, b/c/1e3))' \
    "$bytes" "$ms" "$cms" "$i"
done

mkdir -p bench/target
python3 - "$bytes" "$run/agent.ms" "$run/curl.ms" "$runs" "$size_mib" <<'PY' | tee bench/target/transfer-summary.txt
import statistics, sys
b = int(sys.argv[1])
agent = [int(x) for x in open(sys.argv[2]).read().split()]
curl = [int(x) for x in open(sys.argv[3]).read().split()]
a = b / statistics.median(agent) / 1e3
c = b / statistics.median(curl) / 1e3
print("transfer of %s MiB of random data (not sparse), %s runs each, median" % (sys.argv[5], sys.argv[4]))
print("agent to agent (offerData/importData, to VERIFIED): %.0f MB/s  (runs: %s ms)" % (a, ", ".join(map(str, agent))))
print("curl from python3 http.server:                      %.0f MB/s  (runs: %s ms)" % (c, ", ".join(map(str, curl))))
print("agent/curl: %.2f (goal >= 0.8)" % (a / c))
PY
