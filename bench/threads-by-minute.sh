#!/usr/bin/env bash
# Prints, every minute until process PID ends, the CPU its JIT compiler threads and its Vert.x event
# loops took in that minute, in cores, with the load average: whether the compiler's share settles
# in a long run, without a probe of its own adding work to compile. Start it beside a benchmark:
#
#   SKIP_BUILD=1 bench/manager-fleet-poll.sh 1000 10 60 1500 &
#   bench/threads-by-minute.sh "$(pgrep -n -f 'manager/target/manager.jar')"
#
#   bench/threads-by-minute.sh PID [MINUTES]   (default: until PID ends)
set -euo pipefail
pid=${1:?usage: bench/threads-by-minute.sh PID [MINUTES]}
minutes=${2:-0}
[ -d "/proc/$pid" ] || { echo "no process $pid" >&2; exit 2; }
tick=$(getconf CLK_TCK)
# CPU ticks of the threads of $pid whose name (as the kernel keeps it: 15 characters) matches $1.
ticks() {
  local t=0 name s
  for d in /proc/"$pid"/task/*; do
    name=$(cat "$d/comm" 2>/dev/null) || continue
    if [[ $name =~ $1 ]]; then
      s=$(awk '{print $14 + $15}' "$d/stat" 2>/dev/null) || continue
      t=$((t + s))
    fi
  done
  echo "$t"
}
jit=$(ticks 'CompilerThre'); loops=$(ticks 'eventloo'); m=0
while [ "$minutes" -eq 0 ] || [ "$m" -lt "$minutes" ]; do
  sleep 60
  [ -d "/proc/$pid" ] || exit 0
  m=$((m + 1))
  j=$(ticks 'CompilerThre'); l=$(ticks 'eventloo')
  # A compiler thread that ended in the minute takes its ticks with it: such a minute reads low.
  awk -v m="$m" -v j=$((j - jit)) -v l=$((l - loops)) -v t="$tick" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "minute %d: JIT compiler %.3f cores, event loops %.3f cores, load %s\n", m, j / t / 60, l / t / 60, load }'
  jit=$j; loops=$l
done
