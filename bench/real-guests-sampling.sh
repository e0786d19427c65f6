#!/usr/bin/env bash
# Benchmark: what a sample costs the MR agent on a real hypervisor with GUESTS idle real guests
# (default 20), beside an agent on libvirt's test driver with as many running VMs. Both agents run
# at once, sample every second, and are polled by one manager; the real guests are the test guest
# (Debian kernel, busybox init, 128 MiB, one vCPU) under QEMU's software emulation, in a libvirt
# session daemon of the Unix user federa-bench-hv, placed and started by the manager (an
# application of GUESTS replicas, CPU overcommit 20, raised BATCH at a time). Once every guest has
# booted and idles, it
# measures WINDOWS windows of SECONDS (default 3 × 30 s), both agents over each window:
#   CPU per sample   the agent process's utime + stime (/proc/PID/stat) over the window divided by
#                    the samples it took (SampleSequence)
#   sample duration  the agent's SampleDurationSeconds, read every second: median and max
# and prints every window with the load average, then writes the summary to
# bench/target/real-guests-sampling.txt.
#
#   bench/real-guests-sampling.sh [GUESTS] [WINDOWS] [SECONDS]
# Root only (it creates the user and starts its daemon). SKIP_BUILD=1 uses the jars already built.
set -euo pipefail
cd "$(dirname "$0")/.."
guests=${1:-20}
windows=${2:-3}
seconds=${3:-30}
viewer=demo-viewer-token-0001
operator=demo-operator-token-0001
user=federa-bench-hv
[ "$(id -u)" -eq 0 ] || { echo "real-guests-sampling: run as root (it creates the user $user and starts its libvirt daemon)" >&2; exit 2; }

. bench/lib/fleet.sh
bench_build mr-agent,manager
fleet_init real-guests-sampling
trap 'fleet_stop; scripts/real-hypervisors.sh down "$user" >/dev/null 2>&1 || true; echo "logs: $run"' EXIT

scripts/real-hypervisors.sh down "$user" >/dev/null 2>&1 || true
scripts/real-hypervisors.sh up "$user" >"$run/hypervisor.log" 2>&1 || { cat "$run/hypervisor.log"; exit 1; }
scripts/real-hypervisors.sh guest "$PWD/target/guest-image" >>"$run/hypervisor.log" 2>&1 || { cat "$run/hypervisor.log"; exit 1; }

# The real host: demo/host-2.yaml's shape, ports ephemeral, as the user, from a folder of its own.
home="/home/$user/federa-bench"
rm -rf "$home" && mkdir -p "$home/data" "$home/lib"
cp mr-agent/target/mr-agent.jar "$home/" && cp mr-agent/target/lib/* "$home/lib/"
cp target/guest-image/vmlinuz target/guest-image/initrd.gz "$home/"
agent_yaml real-1 host-2
uri="qemu+unix:///session?socket=/run/user/$(id -u "$user")/libvirt/libvirt-sock"
scripts/real-host-config.sh "$run/real-1.yaml" "$home" "$uri" $((guests * 2)) >"$home/agent.yaml"
chown -R "$user:" "$home"
setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups env HOME="$home" XDG_RUNTIME_DIR="/run/user/$(id -u "$user")" \
  java -Xmx256m -XX:+ExitOnOutOfMemoryError -jar "$home/mr-agent.jar" "$home/agent.yaml" >"$run/real-1.log" 2>&1 &
real_pid=$!
echo "$real_pid" >>"$run/pids"
await_ready "$real_pid" "$run/real-1.log" 120
real_port=$(sed -n 's/.* | jolokia http:\/\/127.0.0.1:\([0-9]*\)\/.*/\1/p' "$run/real-1.log" | tail -1)
echo "real-1 $real_port demo-password-2 $real_pid $home/agent.yaml $run/real-1.log" >>"$run/agents"
echo "agent real-1 (QEMU, user $user): pid $real_pid, jolokia 127.0.0.1:$real_port"

# The test driver's host: the same shape, GUESTS running VMs of the same size in its node.
agent_yaml test-1 host-2
vms=""
for i in $(seq 1 "$guests"); do
  vms+="      - { name: td-$i, application: batch, service: other, vcpus: 1, memoryMiB: 128, diskGiB: 1, running: true }"$'\n'
done
awk -v vms="$vms" '{ print } /^  testNode:$/ { intest = 1 } intest && /^    storageGiB:/ { printf "    vms:\n%s", vms; intest = 0 }' \
  "$run/test-1.yaml" >"$run/test-1.yaml.new" && mv "$run/test-1.yaml.new" "$run/test-1.yaml"
read -r test_pid test_port < <(start_agent test-1)
echo "test-1 $test_port demo-password-2 $test_pid $run/test-1.yaml $run/test-1.log" >>"$run/agents"
echo "agent test-1 (test driver): pid $test_pid, jolokia 127.0.0.1:$test_port, $guests VMs"

# A lease of 30 s: twenty guests booting under emulation on a small machine starve the agent's JVM,
# and with the default 5 s its renewals were read too late, its lease ran out and its guests were
# powered off (by its supervisor) before they had booted.
start_manager 1s "lifecycle:
  cpuOvercommit: 20
  lease: 30s
"
# The guests boot a few at a time (BATCH, default 4): twenty booting at once under emulation on
# two cores starved the agent and libvirt so long that even a 30 s lease ran out.
batch=${BATCH:-4}
catalog() { # REPLICAS
  cat <<YAML
applications:
  - name: idle
    runtime: qemu
    resources: { vcpus: 1, memoryMiB: 128, diskGiB: 1, networkMbps: 1 }
    replicas: $1
    minAvailable: 1
    placement:
      spreadReplicas: none             # every replica on the one real host
services:
  - name: bench
    description: idle real guests
    applications: [idle]
YAML
}
export FEDERA_URL=${api%/api/v1/} FEDERA_TOKEN=$operator
consoles() { grep -l 'federa-guest: idle' "$home"/data/vms/*/console.log 2>/dev/null | wc -l; }
started=$SECONDS
want=0
while [ "$want" -lt "$guests" ]; do
  want=$((want + batch)); [ "$want" -le "$guests" ] || want=$guests
  catalog "$want" >"$run/bench.yaml"
  bin/federa apply -f "$run/bench.yaml" >/dev/null
  # The first batch starts the service; the next ones only raise its replicas.
  [ "$want" -gt "$batch" ] || bin/federa start bench --timeout 1800 | tail -1
  until [ "$(consoles)" -ge "$want" ]; do
    still_running "$real_pid" || { echo "the real host's agent died"; tail -20 "$run/real-1.log"; exit 1; }
    [ $((SECONDS - started)) -lt 1800 ] || { echo "only $(consoles) of $want guests booted within 30 min"; exit 1; }
    sleep 5
  done
  echo "$want guests booted and idle $((SECONDS - started)) s after the first federa start"
done
echo "all $guests guests booted and idle $((SECONDS - started)) s after federa start"

read_host() { # PORT ATTRIBUTE
  # One line per read: Jolokia's answer ends without a newline, and so would the value.
  printf '%s\n' "$(curl -s -u federa:demo-password-2 -d "{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"attribute\":\"$2\"}" \
    "http://127.0.0.1:$1/jolokia/" | sed -n 's/.*"value":\([0-9.eE+-]*\).*/\1/p')"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
summary=bench/target/real-guests-sampling.txt
mkdir -p bench/target
{
  echo "real-guests-sampling: $guests guests, $windows windows of $seconds s, $(nproc) cores, $(date -u +%FT%TZ)"
  echo "window | load start → end | QEMU: CPU per sample, samples, duration median / max | test driver: the same"
} | tee "$summary"
for w in $(seq 1 "$windows"); do
  load0=$(cut -d' ' -f1 /proc/loadavg)
  r_cpu0=$(cpu_ticks "$real_pid"); t_cpu0=$(cpu_ticks "$test_pid")
  r_seq0=$(read_host "$real_port" SampleSequence); t_seq0=$(read_host "$test_port" SampleSequence)
  : >"$run/durations-real" ; : >"$run/durations-test"
  for _ in $(seq 1 "$seconds"); do
    read_host "$real_port" SampleDurationSeconds >>"$run/durations-real"
    read_host "$test_port" SampleDurationSeconds >>"$run/durations-test"
    sleep 1
  done
  r_cpu1=$(cpu_ticks "$real_pid"); t_cpu1=$(cpu_ticks "$test_pid")
  r_seq1=$(read_host "$real_port" SampleSequence); t_seq1=$(read_host "$test_port" SampleSequence)
  load1=$(cut -d' ' -f1 /proc/loadavg)
  side() { # CPU0 CPU1 SEQ0 SEQ1 DURATIONS
    local n=$(($4 - $3))
    local per; per=$(awk -v c=$(($2 - $1)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f ms", (n > 0 ? c * 1000 / hz / n : 0) }')
    local med max
    med=$(sort -g "$5" | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] * 1000 }')
    max=$(sort -g "$5" | tail -1 | awk '{ printf "%.1f", $1 * 1000 }')
    echo "$per, $n samples, $med / $max ms ($(grep -c . "$5") reads, $(sort -u "$5" | grep -c .) distinct)"
  }
  echo "$w | $load0 → $load1 | $(side "$r_cpu0" "$r_cpu1" "$r_seq0" "$r_seq1" "$run/durations-real") | $(side "$t_cpu0" "$t_cpu1" "$t_seq0" "$t_seq1" "$run/durations-test")" | tee -a "$summary"
done
fleet_report
