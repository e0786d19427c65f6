# Shared by the fleet benchmarks (manager-fleet-poll.sh, managers-fleet-poll.sh): a simulated fleet
# holds a few descriptors per agent, more than a shell's default limit of open files.

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
