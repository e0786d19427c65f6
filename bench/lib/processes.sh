# Shared by the benchmarks: building without installing, waiting for a process under test to be
# ready, noticing that one died; and for the fleet benchmarks (manager-fleet-poll.sh,
# managers-fleet-poll.sh): the processes of a simulated fleet need more open files than a shell
# allows by default, and a failed run shows what they said.

# Raises the open-files limit to NEED (root may), or says why not and fails. WHAT names what needs it.
open_files_at_least() { # NEED WHAT
  if [ "$(ulimit -n)" -lt "$1" ]; then
    ulimit -Hn "$1" 2>/dev/null || true
    ulimit -n "$1" 2>/dev/null || true
  fi
  if [ "$(ulimit -n)" -lt "$1" ]; then
    echo "open files: the limit is $(ulimit -n); $2 need some $1 (ulimit -n $1 as root, or fewer agents)" >&2
    return 1
  fi
}

# After a failed run: what each process under test said (its errors and last lines), from the
# logs in DIR, on standard error.
print_failed_logs() { # DIR
  local log
  for log in "$1"/*.log; do
    [ -f "$log" ] || continue
    echo "--- $(basename "$log"): errors and last lines" >&2
    grep -v '^\s*at \|^\s*\.\.\.' "$log" | grep -iE -A2 'exception|error|severe' | head -20 >&2 || true
    tail -5 "$log" >&2
  done
}

# Builds MODULES (comma-separated) and the modules they need with `mvn package` (GOALS, default
# package; e.g. "package test-compile"), never `install`: the jars are run from each module's
# target, and nothing is written to the local repository other builds share. SKIP_BUILD=1 skips
# it; MVN_FLAGS adds to Maven's options (-o offline).
bench_build() { # MODULES [GOAL...]
  [ -n "${SKIP_BUILD:-}" ] && return 0
  local modules=$1
  shift
  # shellcheck disable=SC2086
  mvn -B -q -ntp ${MVN_FLAGS:-} -Dstyle.color=never -DskipTests "${@:-package}" -pl "$modules" -am
}

# Waits until LOG has the ' ready ' line that the agent, the manager and the simulator log once
# they listen; fails, with the log's last lines on standard error, if process PID dies first or
# is not ready within SECONDS (default 60).
await_ready() { # PID LOG [SECONDS]
  local pid=$1 log=$2 limit=${3:-60}
  local deadline=$((SECONDS + limit))
  until grep -qs ' ready ' "$log"; do
    if ! still_running "$pid"; then
      echo "process $pid died before it was ready; the end of $log:" >&2
      tail -20 "$log" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "process $pid was not ready after $limit s; the end of $log:" >&2
      tail -20 "$log" >&2
      return 1
    fi
    sleep 0.1
  done
}

# True while process PID runs. A child that has exited but is not yet reaped still answers
# kill -0, so its state is read too.
still_running() { # PID
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "${state:0:1}" != Z ]
}

# Fails, naming it, when the process under test PID (WHAT) has died.
require_running() { # PID WHAT
  still_running "$1" && return 0
  echo "$2 (pid $1) died during the run" >&2
  return 1
}

# The load average over 1, 5 and 15 minutes.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
