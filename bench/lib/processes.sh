# Shared by the fleet benchmarks (manager-fleet-poll.sh, managers-fleet-poll.sh): the processes
# of a simulated fleet need more open files than a shell allows by default, and a failed run shows
# what they said.

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
