#!/usr/bin/env bash
# Benchmark: what TLS costs, in one run, on this machine (docs/benchmarks.md, "TLS").
#
# 1. The bulk poll. Two MR agents holding the same VMS VMs (default 1000) on libvirt's test driver,
#    one plain, one with TLS and client certificates required (certificates from bin/federa-certs);
#    TlsBulkPollBenchmark sends the manager's bulk read to each over one kept-alive connection, in
#    alternating rounds (plain, tls, plain, tls …; ROUNDS rounds of PER_ROUND requests per side),
#    and prints p50/p99 per round and overall with the load average, and the CPU time each agent
#    spent per poll (from /proc: what the load average does not inflate).
# 2. The transfer of a VM's data. Four agents: a plain pair and a TLS pair (host-1 → host-2), and a
#    SIZE_MIB MiB file of random data (default 1024) as a VM's disk on both sources (one file,
#    hard-linked). Each run, alternating: agent to agent plain, agent to agent over TLS (to
#    VERIFIED: pull, SHA-256 both sides, fsync, rename), then curl fetching the same file over
#    HTTPS and over plain HTTP from python3's http.server (no fsync). MB/s = 10^6 bytes per second.
#
#   bench/tls-cost.sh
# Environment: VMS (1000), ROUNDS (4), PER_ROUND (200), RUNS (3), SIZE_MIB (1024),
# SKIP_BUILD=1 to use the jars already built, BENCH_TIMEOUT (seconds for the poll benchmark,
# 3600; an import still running after 300 s fails the run). Writes the summary to
# bench/target/tls-summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
vms=${VMS:-1000}
rounds=${ROUNDS:-4}
per_round=${PER_ROUND:-200}
runs=${RUNS:-3}
size_mib=${SIZE_MIB:-1024}

. bench/lib/processes.sh
[ -n "${SKIP_BUILD:-}" ] || scripts/install-deps.sh
bench_build mr-agent package test-compile

run=$(mktemp -d /tmp/federa-tls.XXXXXX)
: >"$run/pids"
stop() {
  while read -r p; do kill "$p" 2>/dev/null || true; done <"$run/pids"
  for _ in $(seq 1 50); do
    alive=0
    while read -r p; do kill -0 "$p" 2>/dev/null && alive=1; done <"$run/pids"
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  rm -rf "$run"/*-data "$run/curl" "$run/src"
}
trap 'stop; echo "logs: $run"' EXIT

certs="$run/certs"
bin/federa-certs "$certs" agent client >/dev/null
tls_section() { # -> the tls section of an agent requiring client certificates
  printf 'tls:\n  cert: %s\n  key: %s\n  ca: %s\n  clientAuth: required\n' "$certs/agent.pem" "$certs/agent-key.pem" "$certs/ca.pem"
}

start_agent() { # NAME -> jolokia url; the configuration is $run/NAME.yaml
  java ${AGENT_JAVA_OPTS:--Xmx512m} -jar mr-agent/target/mr-agent.jar "$run/$1.yaml" >>"$run/$1.log" 2>&1 &
  echo "$!" >>"$run/pids"
  await_ready "$!" "$run/$1.log" 90
  local url
  url=$(sed -n 's/.* | jolokia \(http[^ ]*\) .*/\1/p' "$run/$1.log" | tail -1)
  [ -n "$url" ] || { cat "$run/$1.log" >&2; exit 1; }
  echo "$url"
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(openssl version | cut -d' ' -f1-2), load average $(load)"
summary="$run/summary.txt"
: >"$summary"

# ---- 1. the bulk poll ------------------------------------------------------------------------------
for side in plain tls; do
  {
    cat <<YAML
host: { id: bench-$side, site: lab, offsite: false, securityLevel: 1, runtimes: [kvm] }
libvirt:
  testNode:
    cpus: 1024
    memoryMiB: 1048576
    storageGiB: 100000
    vms:
YAML
    for i in $(seq 1 "$vms"); do
      echo "      - { name: vm-$i, application: app-$((i % 10)), service: svc-$((i % 3)), vcpus: 1, memoryMiB: 512, diskGiB: 1 }"
    done
    cat <<YAML
capacity: { networkMbps: 10000 }
cost: { currency: EUR, perCpuSecond: 0.00001, perStorageGiBHour: 0.0001, perNetworkGB: 0.01, perNetworkPacket: 0.0000001 }
jolokia: { address: 127.0.0.1, port: 0, users: [ { name: bench, password: bench-password } ] }
metrics: { address: 127.0.0.1, port: 0 }
dataDir: $run/poll-$side-data
sampleInterval: 1s
YAML
    [ "$side" = tls ] && tls_section
  } >"$run/poll-$side.yaml"
done
plain_url=$(start_agent poll-plain)
tls_url=$(start_agent poll-tls)
cp="mr-agent/target/test-classes:mr-agent/target/mr-agent.jar:$(ls mr-agent/target/lib/*.jar | tr '\n' ':')"
timeout "${BENCH_TIMEOUT:-3600}" java -cp "$cp" io.federa.agent.bench.TlsBulkPollBenchmark "$plain_url" "$tls_url" bench bench-password \
  "$certs/ca.pem" "$certs/client.pem" "$certs/client-key.pem" "$rounds" "$per_round" "$vms" \
  "$(sed -n 1p "$run/pids")" "$(sed -n 2p "$run/pids")" | tee "$run/poll.txt"
grep -E '^(plain|tls) ' "$run/poll.txt" >>"$summary"
# The pollers' agents go before the transfers: four more processes would otherwise share the cores.
while read -r p; do kill "$p" 2>/dev/null || true; done <"$run/pids"
wait 2>/dev/null || true
: >"$run/pids"

# ---- 2. the transfer of a VM's data --------------------------------------------------------------
agent_yaml() { # NAME ID [tls]
  sed -E -e '/^    vms:$/,/^[^ ]|^    [a-z]/{/^    vms:$/d;/^      - /d}' \
    -e 's/^  port: (97|161|87)[0-9]+$/  port: 0/' \
    -e "0,/^  id: .*/s//  id: $2/" \
    -e "s|^dataDir: .*|dataDir: $run/$1-data|" \
    demo/host-2.yaml >"$run/$1.yaml"
  if [ "${3:-}" = tls ]; then tls_section >>"$run/$1.yaml"; fi
}
# jexec JOLOKIA_URL OPERATION ARGUMENT -> the operation's answer (a JSON string)
jexec() {
  python3 - "$@" "$certs" <<'PY'
import base64, json, ssl, sys, urllib.request
url, op, arg, certs = sys.argv[1:5]
ctx = None
if url.startswith("https"):
    ctx = ssl.create_default_context(cafile=certs + "/ca.pem")
    ctx.load_cert_chain(certs + "/client.pem", certs + "/client-key.pem")
body = json.dumps({"type": "exec", "mbean": "federa:type=Agent", "operation": op, "arguments": [arg]}).encode()
req = urllib.request.Request(url, data=body, headers={"Authorization": "Basic " + base64.b64encode(b"federa:demo-password-2").decode(),
                                                      "Content-Type": "application/json"})
r = json.load(urllib.request.urlopen(req, context=ctx))
if r.get("status") != 200:
    sys.exit("jolokia: " + json.dumps(r))
print(r["value"])
PY
}
# await_import JOLOKIA_URL MIGRATION_ID -> the import's last status, once it is no longer RUNNING (one process, every 250 ms)
await_import() {
  python3 - "$1" "$2" "$certs" <<'PY'
import base64, json, ssl, sys, time, urllib.request
url, mid, certs = sys.argv[1:4]
ctx = None
if url.startswith("https"):
    ctx = ssl.create_default_context(cafile=certs + "/ca.pem")
    ctx.load_cert_chain(certs + "/client.pem", certs + "/client-key.pem")
body = json.dumps({"type": "exec", "mbean": "federa:type=Agent", "operation": "transferStatus", "arguments": [mid]}).encode()
auth = "Basic " + base64.b64encode(b"federa:demo-password-2").decode()
deadline = time.monotonic() + 300
while True:
    if time.monotonic() > deadline:
        sys.exit("import " + mid + " still RUNNING after 300 s")
    req = urllib.request.Request(url, data=body, headers={"Authorization": auth, "Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req, context=ctx))
    if r.get("status") != 200:
        sys.exit("jolokia: " + json.dumps(r))
    if json.loads(r["value"])["phase"] != "RUNNING":
        print(r["value"])
        break
    time.sleep(0.25)
PY
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
mkdir -p "$run/src" "$run/curl"
echo "writing $size_mib MiB of random data"
head -c "$((size_mib << 20))" /dev/urandom >"$run/src/disk0.raw"
bytes=$(stat -c %s "$run/src/disk0.raw")
agent_yaml plain-1 host-1
agent_yaml plain-2 host-2
agent_yaml tls-1 host-1 tls
agent_yaml tls-2 host-2 tls
for s in plain-1 tls-1; do
  mkdir -p "$run/$s-data/vms/$uuid"
  ln "$run/src/disk0.raw" "$run/$s-data/vms/$uuid/disk0.raw"
done
declare -A url
for a in plain-1 plain-2 tls-1 tls-2; do url[$a]=$(start_agent "$a"); done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
https_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$run/src" "$http_port" >"$run/http.log" 2>&1 &
echo "$!" >>"$run/pids"
python3 - "$run/src" "$https_port" "$certs" >"$run/https.log" 2>&1 <<'PY' &
import functools, http.server, ssl, sys
directory, port, certs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(certs + "/agent.pem", certs + "/agent-key.pem")
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
PY
echo "$!" >>"$run/pids"
for _ in $(seq 1 100); do
  curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$http_port/disk0.raw" \
    && curl -sf --cacert "$certs/ca.pem" -o /dev/null -r 0-0 "https://127.0.0.1:$https_port/disk0.raw" && break
  sleep 0.1
done

transfer() { # SIDE RUN -> elapsed ms of the import to VERIFIED
  local src=${url[$1-1]} dst=${url[$1-2]} token offered u data status
  token=$(head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  offered=$(jexec "$src" offerData "{\"migrationId\":\"bench-$1-$2\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"token\":\"$token\"}")
  u=$(field "$offered" url)
  data=$(field "$offered" dataBytes)
  jexec "$dst" importData "{\"migrationId\":\"bench-$1-$2\",\"attempt\":1,\"uuid\":\"$uuid\",\"vm\":\"bench-vm\",\"url\":\"$u\",\"token\":\"$token\",\"dataBytes\":$data}" >/dev/null
  status=$(await_import "$dst" "bench-$1-$2")
  [ "$(field "$status" phase)" = VERIFIED ] || { echo "$1 run $2: import ended: $status" >&2; exit 1; }
  jexec "$dst" discardData "{\"migrationId\":\"bench-$1-$2\",\"uuid\":\"$uuid\"}" >/dev/null
  field "$status" elapsedMillis
}
fetch() { # URL [curl options] -> elapsed ms
  local t0 t1 target=$1
  shift
  t0=$(date +%s%N)
  curl -s "$@" -o "$run/curl/disk0.raw" "$target"
  t1=$(date +%s%N)
  [ "$(stat -c %s "$run/curl/disk0.raw")" = "$bytes" ] || { echo "curl fetched a short file" >&2; exit 1; }
  rm -f "$run/curl/disk0.raw"
  echo $(( (t1 - t0) / 1000000 ))
}
for k in agent-plain agent-tls curl-https curl-http; do : >"$run/$k.ms"; done
for i in $(seq 1 "$runs"); do
  a=$(transfer plain "$i"); echo "$a" >>"$run/agent-plain.ms"
  b=$(transfer tls "$i"); echo "$b" >>"$run/agent-tls.ms"
  c=$(fetch "https://127.0.0.1:$https_port/disk0.raw" --cacert "$certs/ca.pem"); echo "$c" >>"$run/curl-https.ms"
  d=$(fetch "http://127.0.0.1:$http_port/disk0.raw"); echo "$d" >>"$run/curl-http.ms"
  python3 -c 'import sys; b=int(sys.argv[1]); print("run %s: agent plain %.0f MB/s, agent tls %.0f MB/s, curl https %.0f MB/s, curl http %.0f MB/s (load average %s)" % (sys.argv[2], b/int(sys.argv[3])/1e3, b/int(sys.argv[4])/1e3, b/int(sys.argv[5])/1e3, b/int(sys.argv[6])/1e3, sys.argv[7]))' \
    "$bytes" "$i" "$a" "$b" "$c" "$d" "$(load)"
done
python3 - "$bytes" "$run" "$size_mib" <<'PY' >>"$summary"
import statistics, sys
b, run, mib = int(sys.argv[1]), sys.argv[2], sys.argv[3]
print("transfer of %s MiB of random data, median MB/s (range over runs):" % mib)
for k in ["agent-plain", "agent-tls", "curl-https", "curl-http"]:
    ms = [int(x) for x in open(run + "/" + k + ".ms").read().split()]
    rates = sorted(b / m / 1e3 for m in ms)
    print("  %-12s %5.0f MB/s  (%.0f–%.0f; runs %s ms)" % (k, b / statistics.median(ms) / 1e3, rates[0], rates[-1], ", ".join(map(str, ms))))
PY
echo "load average at the end: $(load)" >>"$summary"
mkdir -p bench/target
echo
tee bench/target/tls-summary.txt <"$summary"
