#!/usr/bin/env bash
# Benchmark: moving a thin qcow2 disk between two agents. Two MR agent processes (host-1, host-2:
# empty test nodes derived from demo/host-2.yaml, every port ephemeral on loopback). In host-1's
# data directory, a VM whose disk is a 1 TiB qcow2 made by `qemu-img create -f qcow2` with 100 MiB
# of random data written into it through QEMU's block layer (`qemu-io -c "write -s FILE ..."`,
# ten 10 MiB runs 100 GiB apart), and for reference a VM whose disk is a dense 100 MiB raw file
# of the same bytes. Then RUNS times (default 3), each disk in turn: host-1 offerData, host-2
# importData, transferStatus every 250 ms until VERIFIED (the SHA-256 of the stream checked on
# both sides); the figures are host-2's elapsedMillis (import start to VERIFIED), the dataBytes
# the source announced and the stream bytes the destination received; the copy is checked
# byte-identical (cmp) and `qemu-img check`ed, then discarded.
#
#   bench/qcow2-migration.sh [RUNS]
# Environment: SKIP_BUILD=1 to use the jar already built, MVN_FLAGS; STEP_TIMEOUT (default 300 s).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
step_timeout=${STEP_TIMEOUT:-300}
. bench/lib/processes.sh
for tool in qemu-img qemu-io python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
bench_build mr-agent

run=$(mktemp -d /tmp/federa-qcow2.XXXXXX)
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

agent_yaml() { # ID
  sed -E -e '/^    vms:$/,/^[^ ]|^    [a-z]/{/^    vms:$/d;/^      - /d}' \
    -e 's/^  port: (97|161|87)[0-9]+$/  port: 0/' \
    -e "0,/^  id: .*/s//  id: $1/" \
    -e "s|^dataDir: .*|dataDir: $run/$1-data|" \
    demo/host-2.yaml >"$run/$1.yaml"
}
declare -A url
start_agent() { # ID
  java ${AGENT_JAVA_OPTS:--Xmx256m} -jar mr-agent/target/mr-agent.jar "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  pid[$1]=$!
  await_ready "${pid[$1]}" "$run/$1.log" 120
  url[$1]=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "${url[$1]}" ] || { echo "agent $1 names no Jolokia URL" >&2; exit 1; }
}
jexec() { # JOLOKIA_URL OPERATION ARGUMENT
  local body
  body=$(python3 -c 'import json,sys; print(json.dumps({"type":"exec","mbean":"federa:type=Agent","operation":sys.argv[1],"arguments":[sys.argv[2]]}))' "$2" "$3")
  curl -s --max-time 60 -u federa:demo-password-2 "$1" -d "$body" | python3 -c '
import json,sys
r=json.load(sys.stdin)
if r.get("status")!=200: sys.exit("jolokia: "+json.dumps(r))
print(r["value"])'
}
await_import() { # URL MIGRATION_ID
  local deadline=$((SECONDS + step_timeout)) s
  while :; do
    s=$(jexec "$1" transferStatus "$2")
    [ "$(field "$s" phase)" != RUNNING ] && { echo "$s"; return; }
    [ "$SECONDS" -lt "$deadline" ] || { echo "import $2 still RUNNING after $step_timeout s" >&2; exit 1; }
    for p in "${pid[@]}"; do still_running "$p" || { echo "an agent died during $2" >&2; exit 1; }; done
    sleep 0.25
  done
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
new_uuid() { python3 -c 'import uuid; print(uuid.uuid4())'; }

qcow2_uuid=$(new_uuid)
raw_uuid=$(new_uuid)
src="$run/host-1-data/vms"
mkdir -p "$src/$qcow2_uuid" "$src/$raw_uuid" "$run/chunks"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(qemu-img --version | head -1)"
echo "run directory: $run ($(df -T "$run" | awk 'NR==2 {print $1 ", " $2}')); load average at the start: $(load_average)"
qcow2="$src/$qcow2_uuid/disk0.qcow2"
raw="$src/$raw_uuid/disk0.raw"
qemu-img create -q -f qcow2 "$qcow2" 1T
for i in $(seq 0 9); do
  head -c $((10 << 20)) /dev/urandom >"$run/chunks/$i"
  qemu-io -f qcow2 -c "write -s $run/chunks/$i $((i * 100))G 10M" "$qcow2" >/dev/null
  cat "$run/chunks/$i" >>"$raw"
done
rm -rf "$run/chunks"
sync "$qcow2" "$raw"
echo "qcow2: virtual $(qemu-img info --output=json "$qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])') bytes," \
  "file $(stat -c %s "$qcow2") bytes, $(( $(stat -c %b "$qcow2") * $(stat -c %B "$qcow2") )) allocated; raw reference: $(stat -c %s "$raw") bytes"

for id in host-1 host-2; do agent_yaml "$id"; start_agent "$id"; done
echo "agents: host-1 ${url[host-1]} (pid ${pid[host-1]}), host-2 ${url[host-2]} (pid ${pid[host-2]})"

move() { # RUN KIND UUID FILE -> "kind run elapsed_ms data_bytes stream_bytes"
  local mid="bench-$2-$1" token offered status
  token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  offered=$(jexec "${url[host-1]}" offerData "{\"migrationId\":\"$mid\",\"attempt\":1,\"uuid\":\"$3\",\"vm\":\"bench-vm\",\"token\":\"$token\"}")
  jexec "${url[host-2]}" importData "{\"migrationId\":\"$mid\",\"attempt\":1,\"uuid\":\"$3\",\"vm\":\"bench-vm\",\"url\":\"$(field "$offered" url)\",\"token\":\"$token\",\"dataBytes\":$(field "$offered" dataBytes)}" >/dev/null
  status=$(await_import "${url[host-2]}" "$mid")
  [ "$(field "$status" phase)" = VERIFIED ] || { echo "$mid ended: $status" >&2; exit 1; }
  local copy="$run/host-2-data/vms/$3/$(basename "$4")"
  cmp -s "$4" "$copy" || { echo "$mid: the copy differs from the source" >&2; exit 1; }
  if [ "$2" = qcow2 ]; then qemu-img check -q "$copy" || { echo "$mid: qemu-img check failed" >&2; exit 1; }; fi
  echo "$2 $1 $(field "$status" elapsedMillis) $(field "$offered" dataBytes) $(field "$status" bytesDone)"
  jexec "${url[host-2]}" discardData "{\"migrationId\":\"$mid\",\"uuid\":\"$3\"}" >/dev/null
}

: >"$run/results"
for r in $(seq 1 "$runs"); do
  for kind in qcow2 raw; do
    if [ $kind = qcow2 ]; then line=$(move "$r" qcow2 "$qcow2_uuid" "$qcow2"); else line=$(move "$r" raw "$raw_uuid" "$raw"); fi
    echo "  run $r $kind: $(echo "$line" | awk '{printf "%d ms, %d bytes announced, %d stream bytes received", $3, $4, $5}'), load $(load_average)"
    echo "$line" >>"$run/results"
  done
done
python3 - "$run/results" "$(load_average)" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for kind, what in (("qcow2", "1 TiB thin qcow2, 100 MiB written"), ("raw", "100 MiB dense raw (reference)")):
    k = [r for r in rows if r[0] == kind]
    ms = [int(r[2]) for r in k]
    print("%-36s median %5d ms (runs: %s ms), %d bytes sent" % (what, statistics.median(ms), ", ".join(map(str, ms)), int(k[0][4])))
q = statistics.median(int(r[2]) for r in rows if r[0] == "qcow2")
w = statistics.median(int(r[2]) for r in rows if r[0] == "raw")
print("qcow2 / raw reference, medians: %.2f; load average at the end: %s" % (q / w, sys.argv[2]))
PY
