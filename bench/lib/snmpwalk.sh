# Shared by the SNMP walk benchmarks (snmp-walk-vs-snmpd.sh, manager-snmp-walk-vs-snmpd.sh): net-snmp's
# snmpd serving an ifTable of as many rows as the table compared with it (interfaces made in a
# private network namespace), and walks of the two sides in alternating pairs with snmpbulkwalk,
# SNMPv3 authPriv with HMAC-SHA-256 and AES-128 on both. Needs processes.sh and root (the
# namespace); uses $run (the run's private directory) and $user, $auth, $priv (the USM user both
# sides have). The caller's exit trap calls snmpd_stop.

walk_timeout=${WALK_TIMEOUT:-60}
sec=(-v3 -l authPriv -u "$user" -a SHA-256 -A "$auth" -x AES -X "$priv" -On -Cr50 -t 10 -r 1)
ns="federa-snmp-${run##*.}"   # private to this run: another run's namespace is never touched
snmpd_pid=""
snmpd_addr=udp:127.0.0.1:16199   # inside the namespace, which nothing else listens in

# Starts snmpd in the namespace with ROWS interfaces (lo and ROWS/2 veth pairs); sets snmpd_pid.
snmpd_start() { # ROWS
  command -v ip >/dev/null 2>&1 || apt-get install -y -qq iproute2 >/dev/null
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  local i
  for i in $(seq 1 $(($1 / 2))); do echo "link add va$i type veth peer name vb$i"; done >"$run/links"
  ip -n "$ns" -batch "$run/links"
  cat >"$run/snmpd.conf" <<CONF
agentaddress ${snmpd_addr}
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
}

# Stops snmpd and deletes the namespace (from the caller's exit trap).
snmpd_stop() {
  if [ -n "$snmpd_pid" ]; then
    kill "$snmpd_pid" 2>/dev/null || true
    wait "$snmpd_pid" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
}

snmpd_interfaces() { ip -n "$ns" -o link | wc -l; }

# The two sides walked: side A, the Federa process (its NAME as printed, its PID, its ADDRESS and
# the OID walked), and side B, snmpd's ifTable.
walk_sides() { # NAME PID ADDRESS OID
  side_a=$1 side_a_pid=$2 side_a_addr=$3 side_a_oid=$4
}

# walk a|b -> "varbinds nanoseconds client_cpu_ms server_cpu_ms transport_cpu_ms": the walk's
# wall time, the CPU time snmpbulkwalk spent (it decrypts, parses and prints every varbind), the
# CPU time the process walked spent meanwhile, and of that, for a Java side, its SNMP transport
# thread's (which answers the reads). Fails if the walk fails, hangs or a process died.
walk() {
  local side=$1 t0 t1 n c0 c1 server name status=0
  local cmd=(timeout "$walk_timeout" snmpbulkwalk "${sec[@]}")
  if [ "$side" = a ]; then server=$side_a_pid; name=$side_a; cmd+=("$side_a_addr" "$side_a_oid")
  else server=$snmpd_pid; name=snmpd; cmd=(ip netns exec "$ns" "${cmd[@]}" "$snmpd_addr" 1.3.6.1.2.1.2.2); fi
  # The thread listing takes some 0.2 s: outside the window of the process's CPU figure.
  if [ -n "${THREADS:-}" ] && [ "$side" = a ]; then thread_ms "$server" >"$run/threads0"; fi
  c0=$(cpu_ms "$server")
  local u0 u1
  u0=$(transport_ms "$server")
  t0=$(date +%s%N)
  { time "${cmd[@]}" >"$run/walk.out" 2>"$run/walk.err"; } 2>"$run/walk.time" || status=$?
  t1=$(date +%s%N)
  c1=$(cpu_ms "$server")
  u1=$(transport_ms "$server")
  if [ -n "${THREADS:-}" ] && [ "$side" = a ]; then
    thread_ms "$server" >"$run/threads1"
    echo "  $(join <(sort "$run/threads0") <(sort "$run/threads1") | awk '$3 - $2 >= 10 {print $3 - $2, $1}' | sort -rn \
      | head -8 | awk '{printf "%s %d ms; ", $2, $1}')" >&2
  fi
  n=$(wc -l <"$run/walk.out")
  if [ "$status" = 124 ]; then echo "the $name walk hung: no end after $walk_timeout s ($n varbinds)" >&2; exit 1; fi
  require_running "$server" "$name"
  if [ "$status" != 0 ] || [ "$n" = 0 ]; then
    echo "the $name walk failed (exit $status, $n varbinds): $(head -3 "$run/walk.err")" >&2; exit 1
  fi
  echo "$n $((t1 - t0)) $(awk '{printf "%d", ($1 + $2) * 1000}' "$run/walk.time") $((c1 - c0)) $((u1 - u0))"
}
TIMEFORMAT='%U %S'
# The median of the numbers on standard input, one a line, rounded to a whole number.
median() { sort -g | awk '{r[NR] = $1} END { printf "%.0f", (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2 }'; }
cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / t)}' "/proc/$1/stat"; }
# Every thread of process PID as "TID:NAME CPU-MS" (THREADS=1 prints, for each walk of side A, the
# threads of its process that spent 10 ms or more during the walk, on standard error).
thread_ms() { # PID
  local t
  for t in /proc/"$1"/task/*; do
    echo "${t##*/}:$(tr ' ' _ <"$t/comm" 2>/dev/null) $(awk -v k="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / k)}' "$t/stat" 2>/dev/null)"
  done
}
# CPU ms of process PID's SNMP4J transport thread(s) (DefaultUDPTransportMapping_…), 0 if none.
transport_ms() { # PID
  grep -l '^DefaultUDPTrans' /proc/"$1"/task/*/comm 2>/dev/null | while read -r c; do cat "${c%comm}stat"; done \
    | awk -v t="$(getconf CLK_TCK)" '{s += $14 + $15} END {print int(s * 1000 / t)}'
}

# WARMUP warm-up pairs (default 20), then PAIRS pairs A, snmpd, A, snmpd …: prints every pair, the
# median of the per-pair ratios A/snmpd, the CPU per walk and A's transport thread per walk.
# DESCRIPTION says what is walked on both sides. The warm-up is for the JVM side: its JIT compiles
# the paths a walk takes during the first walks (on the manager after placing 10,000 instances,
# the C2 compiler thread spent 200-700 ms of CPU around each of its first twelve walks, on one of
# the machine's two cores, and still 100-400 ms around some of the next ten); the warm-up walks
# are printed on one line, not counted.
walk_pairs() { # PAIRS DESCRIPTION
  local pairs=$1 w a_rows s_rows p an ans acl asv atr sn sns scl ssv warm=()
  echo "both sides: SNMPv3 authPriv, HMAC-SHA-256 and AES-128; snmpbulkwalk -v3 -l authPriv -a SHA-256 -x AES -On -Cr50 -t 10 -r 1"
  echo "$2, ${WARMUP:-20} warm-up pairs:"
  # Each walk in $(…), not <(…): a failing walk then ends the script (set -e).
  for p in $(seq 1 "${WARMUP:-20}"); do
    w=$(walk a); a_rows=${w%% *}; read -r _ ans _ <<<"$w"; warm+=("$(awk -v t="$ans" 'BEGIN {printf "%.2f", t / 1e9}')")
    w=$(walk b); s_rows=${w%% *}
  done
  echo "  $a_rows varbinds from the $side_a, $s_rows from snmpd; the $side_a's warm-up walks: ${warm[*]} s"
  : >"$run/pairs"
  printf '%-4s | %-37s | %-37s | %5s\n' pair "$side_a: s (varbinds/s) cpu client/$side_a" "snmpd: s (varbinds/s) cpu client/snmpd" ratio
  for p in $(seq 1 "$pairs"); do
    w=$(walk a); read -r an ans acl asv atr <<<"$w"
    w=$(walk b); read -r sn sns scl ssv _ <<<"$w"
    [ "$an" = "$a_rows" ] && [ "$sn" = "$s_rows" ] || { echo "pair $p: $an and $sn varbinds, not $a_rows and $s_rows" >&2; exit 1; }
    echo "$p $an $ans $acl $asv $sn $sns $scl $ssv $atr" >>"$run/pairs"
    awk -v p="$p" -v an="$an" -v at="$ans" -v acl="$acl" -v asv="$asv" -v sn="$sn" -v st="$sns" -v scl="$scl" -v ssv="$ssv" 'BEGIN {
      ar = an / (at / 1e9); sr = sn / (st / 1e9)
      printf "%-4d | %6.3f s (%7.0f /s) %5.2f/%5.2f s | %6.3f s (%7.0f /s) %5.2f/%5.2f s | %5.2f\n",
        p, at / 1e9, ar, acl / 1e3, asv / 1e3, st / 1e9, sr, scl / 1e3, ssv / 1e3, ar / sr }'
  done
  # per pair: A's rate over snmpd's
  awk '{print ($2 / $3) / ($6 / $7)}' "$run/pairs" | sort -g | awk -v a="$side_a" '{r[NR] = $1} END {
    m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "median of the %d per-pair ratios %s/snmpd: %.2f (lowest %.2f, highest %.2f)\n", NR, a, m, r[1], r[NR] }'
  echo "rates, median of the pairs' walks: $side_a $(awk '{print $2 / ($3 / 1e9)}' "$run/pairs" | median) /s," \
    "snmpd $(awk '{print $6 / ($7 / 1e9)}' "$run/pairs" | median) /s"
  awk -v a="$side_a" '{ac += $4; as += $5; at += $3; sc += $8; ss += $9; st += $7} END {
    printf "CPU per walk, mean: client %.3f s and %s %.3f s of %.3f s (%s side); client %.3f s and snmpd %.3f s of %.3f s (snmpd side)\n",
      ac / NR / 1e3, a, as / NR / 1e3, at / NR / 1e9, a, sc / NR / 1e3, ss / NR / 1e3, st / NR / 1e9 }' "$run/pairs"
  awk '{print $10}' "$run/pairs" | sort -n | awk -v a="$side_a" '{r[NR] = $1} END {
    printf "the %s'"'"'s SNMP transport thread per walk: median %d ms (lowest %d, highest %d)\n", a, r[int((NR + 1) / 2)], r[1], r[NR] }'
}
