#!/usr/bin/env bash
# Real hypervisors on one machine, for the tests that drive QEMU guests through libvirt:
#
#   real-hypervisors.sh up USER...      creates each Unix user (and the groups and folders libvirt
#                                       expects), its runtime folder, and starts its session
#                                       daemon (libvirtd in session mode) unless one answers;
#                                       prints "USER SOCKET" per user
#   real-hypervisors.sh down USER...    destroys and undefines every domain of each user's session,
#                                       kills what is left of its QEMU processes and stops its daemons
#   real-hypervisors.sh bridge NETNS    creates the network namespace NETNS (a name of the caller's
#                                       own) holding the bridge fedbr0 at 10.77.0.1/24 and a dnsmasq
#                                       that answers DHCP on it (leases in /run/federa-e2e/NETNS/),
#                                       and a copy of QEMU's bridge helper that session daemons may
#                                       use (/var/lib/federa-e2e/qemu-bridge-helper); prints
#                                       "NETNS BRIDGE LEASEFILE"
#   real-hypervisors.sh bridge-down NETNS
#                                       stops that dnsmasq and deletes the namespace
#   FEDERA_NETNS=NETNS real-hypervisors.sh up USER...
#                                       as up, with each daemon started inside NETNS and told to
#                                       attach guests to bridges through the helper's copy
#   real-hypervisors.sh guest DIR       builds the test guest in DIR unless it is there: a Debian
#                                       kernel (apt-get download + dpkg -x) and an initramfs of
#                                       busybox, the virtio block and network modules and our own
#                                       /init
#
# Everything comes from Debian's packages (scripts/install-deps.sh installs them). Each step that
# fails says so on stderr as "step <name>: <why>" and exits non-zero. Runs as root.
set -euo pipefail

fail() { echo "step $1: $2" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail root "must run as root (it creates users and starts their daemons)"

runtime_dir() { echo "/run/user/$(id -u "$1")"; }
socket_of() { echo "$(runtime_dir "$1")/libvirt/libvirt-sock"; }
as_user() {
  as_user_in "" "$@"
}
# As as_user, inside the network namespace NETNS unless it is empty: as_user_in NETNS USER CMD...
as_user_in() {
  local netns=$1 user=$2; shift 2
  local in=()
  [ -z "$netns" ] || in=(ip netns exec "$netns")
  "${in[@]}" setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups \
    env -i HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" LOGNAME="$user" \
    XDG_RUNTIME_DIR="$(runtime_dir "$user")" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
session_uri() { echo "qemu+unix:///session?socket=$(socket_of "$1")"; }

up() {
  command -v libvirtd >/dev/null 2>&1 || fail packages "libvirtd is missing (apt-get install libvirt-daemon libvirt-daemon-driver-qemu)"
  command -v qemu-system-x86_64 >/dev/null 2>&1 || fail packages "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)"
  command -v virsh >/dev/null 2>&1 || fail packages "virsh is missing (apt-get install libvirt-clients)"
  # What libvirt-daemon-system would have created; the session daemons do not need more.
  getent group kvm >/dev/null || groupadd -r kvm || fail users "cannot create group kvm"
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu || fail users "cannot create group libvirt-qemu"
  id libvirt-qemu >/dev/null 2>&1 || useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu \
    || fail users "cannot create user libvirt-qemu"
  mkdir -p /var/log/libvirt /var/run/libvirt
  for user in "$@"; do
    [[ "$user" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || fail users "\"$user\" is not a plain user name"
    id "$user" >/dev/null 2>&1 || useradd -m -s /bin/sh "$user" || fail users "cannot create user $user"
    local home; home=$(getent passwd "$user" | cut -d: -f6)
    [ -d "$home" ] || { mkdir -p "$home" && chown "$user:" "$home"; } || fail users "cannot create $home"
    local rt; rt=$(runtime_dir "$user")
    mkdir -p "$rt" && chown "$user:" "$rt" && chmod 700 "$rt" || fail runtime "cannot create $rt for $user"
    local netns=${FEDERA_NETNS:-}
    if [ -n "$netns" ]; then
      [ -x "$HELPER" ] || fail bridge "$HELPER is missing: run \"$0 bridge $netns\" first"
      # The session daemon's QEMU configuration: bridges are joined through the helper's copy.
      local conf="$home/.config/libvirt"
      mkdir -p "$conf" && printf 'bridge_helper = "%s"\n' "$HELPER" > "$conf/qemu.conf" \
        && chown -R "$user:" "$home/.config" || fail daemon "cannot write $conf/qemu.conf"
    fi
    if ! as_user "$user" virsh -q -c "$(session_uri "$user")" version >/dev/null 2>&1; then
      as_user_in "$netns" "$user" libvirtd --daemon \
        || fail daemon "libvirtd did not start as $user${netns:+ in network namespace $netns}"
      local i=0
      until as_user "$user" virsh -q -c "$(session_uri "$user")" version >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -lt 300 ] || fail daemon "the session daemon of $user does not answer on $(socket_of "$user") after 30 s"
        sleep 0.1
      done
    fi
    echo "$user $(socket_of "$user")"
  done
}

down() {
  for user in "$@"; do
    id "$user" >/dev/null 2>&1 || continue
    local uri; uri=$(session_uri "$user")
    if [ -S "$(socket_of "$user")" ]; then
      for d in $(as_user "$user" virsh -q -c "$uri" list --name 2>/dev/null); do
        as_user "$user" virsh -q -c "$uri" destroy "$d" >/dev/null 2>&1 || true
      done
      for d in $(as_user "$user" virsh -q -c "$uri" list --all --name 2>/dev/null); do
        as_user "$user" virsh -q -c "$uri" undefine "$d" >/dev/null 2>&1 || true
      done
    fi
    # Only this user's processes, by their ids: the daemons and whatever QEMU is left.
    for pid in $(pgrep -u "$user" -x 'libvirtd|virtlogd|qemu-system-x86|qemu-system-x86_64' || true); do
      kill "$pid" 2>/dev/null || true
    done
    sleep 0.5
    for pid in $(pgrep -u "$user" -x 'libvirtd|virtlogd|qemu-system-x86|qemu-system-x86_64' || true); do
      kill -9 "$pid" 2>/dev/null || true
    done
  done
}

# The bridge helper's copy. Debian installs QEMU's helper without the setuid bit, and /dev/net/tun
# may be root's alone: the copy has the two capabilities it needs (to make the tap device and put
# it on the bridge) and nothing else, and the system's own helper stays as it is.
HELPER=/var/lib/federa-e2e/qemu-bridge-helper
BRIDGE=fedbr0

bridge() {
  local netns=$1
  [[ "$netns" =~ ^[a-z][a-z0-9-]{0,30}$ ]] || fail bridge "\"$netns\" is not a plain namespace name"
  command -v dnsmasq >/dev/null 2>&1 || fail packages "dnsmasq is missing (apt-get install dnsmasq-base)"
  command -v setcap >/dev/null 2>&1 || fail packages "setcap is missing (apt-get install libcap2-bin)"
  [ -x /usr/lib/qemu/qemu-bridge-helper ] || fail packages "/usr/lib/qemu/qemu-bridge-helper is missing (apt-get install qemu-system-common)"
  mkdir -p "$(dirname "$HELPER")" && chmod 755 "$(dirname "$HELPER")" \
    && cp /usr/lib/qemu/qemu-bridge-helper "$HELPER.new" && chmod 755 "$HELPER.new" \
    && setcap cap_net_admin,cap_dac_override+ep "$HELPER.new" && mv "$HELPER.new" "$HELPER" \
    || fail bridge "cannot give $HELPER its capabilities (setcap)"
  # The helper attaches taps only to the bridges this file allows.
  mkdir -p /etc/qemu
  grep -qx "allow $BRIDGE" /etc/qemu/bridge.conf 2>/dev/null || echo "allow $BRIDGE" >> /etc/qemu/bridge.conf \
    || fail bridge "cannot allow $BRIDGE in /etc/qemu/bridge.conf"
  # What a run killed before it could clean up left behind (its test JVM's pid is in the name).
  local old
  for old in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^federa-e2e-[0-9]+$' || true); do
    kill -0 "${old#federa-e2e-}" 2>/dev/null || bridge_down "$old"
  done
  bridge_down "$netns"
  local run=/run/federa-e2e/$netns
  mkdir -p "$run"
  ip netns add "$netns" || fail bridge "cannot create network namespace $netns"
  ip netns exec "$netns" ip link set lo up \
    && ip netns exec "$netns" ip link add "$BRIDGE" type bridge \
    && ip netns exec "$netns" ip addr add 10.77.0.1/24 dev "$BRIDGE" \
    && ip netns exec "$netns" ip link set "$BRIDGE" up \
    || fail bridge "cannot set up bridge $BRIDGE in $netns"
  ip netns exec "$netns" dnsmasq --conf-file=/dev/null --port=0 --interface="$BRIDGE" --bind-interfaces \
    --dhcp-range=10.77.0.10,10.77.0.250,1h --dhcp-leasefile="$run/leases" --pid-file="$run/dnsmasq.pid" \
    || fail bridge "dnsmasq did not start on $BRIDGE in $netns"
  echo "$netns $BRIDGE $run/leases"
}

bridge_down() {
  local netns=$1 run=/run/federa-e2e/$1
  if [ -s "$run/dnsmasq.pid" ]; then
    kill "$(cat "$run/dnsmasq.pid")" 2>/dev/null || true
  fi
  if ip netns list 2>/dev/null | grep -qw "^$netns"; then
    # Whatever still runs inside (a daemon, a guest) goes first, or the namespace outlives its name.
    for pid in $(ip netns pids "$netns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$netns" || fail bridge "cannot delete network namespace $netns"
  fi
  rm -rf "$run"
}

guest() {
  local dir=$1
  # A guest built from another /init is built again.
  local sum; sum=$(init_script | sha256sum | cut -d' ' -f1)
  if [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.gz" ] && [ "$(cat "$dir/init.sha256" 2>/dev/null)" = "$sum" ]; then
    echo "$dir"
    return
  fi
  command -v busybox >/dev/null 2>&1 || fail packages "busybox is missing (apt-get install busybox-static)"
  # The initramfs holds no C library: its busybox must be the static one.
  ldd "$(command -v busybox)" >/dev/null 2>&1 && fail packages "$(command -v busybox) is linked dynamically (apt-get install busybox-static)"
  command -v cpio >/dev/null 2>&1 || fail packages "cpio is missing (apt-get install cpio)"
  [ -x /usr/sbin/snmpd ] || fail packages "/usr/sbin/snmpd is missing (apt-get install snmpd)"
  mkdir -p "$dir" || fail guest "cannot create $dir"
  local work; work=$(mktemp -d "$dir/build.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  local pkg
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  if [ -z "$pkg" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
  fi
  [ -n "$pkg" ] || fail kernel "apt-cache names no kernel package for linux-image-amd64"
  (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1) \
    || { apt-get update -qq >/dev/null 2>&1; (cd "$work" && apt-get download -q "$pkg" >/dev/null 2>&1); } \
    || fail kernel "apt-get download $pkg failed"
  dpkg -x "$work"/"$pkg"_*.deb "$work/kernel" || fail kernel "dpkg -x of $pkg failed"
  local vmlinuz; vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* | head -1)
  [ -n "$vmlinuz" ] || fail kernel "$pkg holds no boot/vmlinuz-*"
  local mods; mods=$(ls -d "$work"/kernel/lib/modules/* | head -1)

  local root="$work/initramfs"
  mkdir -p "$root"/{bin,dev,proc,sys,modules}
  cp "$(command -v busybox)" "$root/bin/busybox"
  for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev \
           virtio/virtio_pci block/virtio_blk input/evdev acpi/button; do
    local f="$mods/kernel/drivers/$m.ko"
    [ -f "$f" ] || fail initramfs "$pkg has no module $m.ko"
    cp "$f" "$root/modules/"
  done
  # The network card's driver and what it needs, in the order init loads them.
  for m in net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
    local f="$mods/kernel/$m.ko"
    [ -f "$f" ] || fail initramfs "$pkg has no module $m.ko"
    cp "$f" "$root/modules/"
  done
  # net-snmp's snmpd, an SNMP agent as an application of the guest would run one: the binary of
  # Debian's snmpd package installed here, with the shared libraries it loads (and their loader).
  mkdir -p "$root/usr/sbin"
  cp /usr/sbin/snmpd "$root/usr/sbin/snmpd"
  local lib
  for lib in $(ldd /usr/sbin/snmpd | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib" || fail initramfs "cannot copy $lib, which snmpd loads"
  done
  init_script > "$root/init"
  chmod 755 "$root/init"
  (cd "$root" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initrd.gz") || fail initramfs "cpio/gzip failed"
  cp "$vmlinuz" "$work/vmlinuz.new"
  # Readable by the hypervisors' users, who start the guests.
  chmod 644 "$work/vmlinuz.new" "$work/initrd.gz"
  mv "$work/initrd.gz" "$dir/initrd.gz"
  mv "$work/vmlinuz.new" "$dir/vmlinuz"
  echo "$sum" > "$dir/init.sha256"
  echo "$dir"
}

init_script() {
  cat <<'EOF'
#!/bin/busybox sh
# The test guest's init. Its first disk decides what it does: a disk that begins with
# FEDERA-BUSY makes it spin on its vCPU for ever; any other disk is read once (the host sees
# disk counters) and the guest idles. The ACPI power button powers it off.
# A kernel command line with federa.mark=WORD makes it write "FEDERA-MARK:WORD" to its disk at
# 768 MiB (flushed to the disk before it says so); without one, it reads that place back and
# prints the marker it finds there, if any.
# A guest with a network card (a VM whose ports the agent forwards) takes an address by DHCP and
# serves HTTP on port 80: /cgi-bin/health answers 200 with {"load": L} (L from /tmp/load, 0 by
# default), or 503 while /tmp/broken exists; /cgi-bin/break and /cgi-bin/mend create and remove
# it; /cgi-bin/load?0.75 sets the load (a decimal number from 0 to 1); /cgi-bin/spin makes the
# guest burn its vCPU until /cgi-bin/rest. Port 8080 serves the same, with a state of its own: a
# second application in the same VM. net-snmp's snmpd answers SNMPv2c on UDP port 161 (community
# public): /cgi-bin/snmpd-stop stops it, /cgi-bin/snmpd-start starts it again.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk evdev button \
         failover net_failover virtio_net; do
  insmod /modules/$m.ko 2>/dev/null
done
ip link set lo up
mkdir -p /www/cgi-bin /tmp
cat > /dhcp.sh <<'SCRIPT'
#!/bin/sh
# udhcpc's script: the address and the default route of the lease.
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route add default via "$r" dev "$interface"; break; done
    ;;
esac
exit 0
SCRIPT
# The applications' HTTP servers: the same four scripts under /www (port 80, state in /tmp/broken
# and /tmp/load) and /www8080 (port 8080, /tmp/broken-8080 and /tmp/load-8080): two applications
# that share the VM, each with its own health.
app_scripts() { # ROOT SUFFIX
  mkdir -p "$1/cgi-bin"
  cat > "$1"/cgi-bin/health <<'SCRIPT'
#!/bin/sh
if [ -e /tmp/broken@S@ ]; then
  printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n'
  echo "failing: the guest was told to fail (/cgi-bin/break); /cgi-bin/mend ends it"
  exit 0
fi
load=$(cat /tmp/load@S@ 2>/dev/null)
printf 'Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{"load": %s}\n' "${load:-0}"
SCRIPT
  cat > "$1"/cgi-bin/break <<'SCRIPT'
#!/bin/sh
touch /tmp/broken@S@
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nbroken: health now answers 503\n'
SCRIPT
  cat > "$1"/cgi-bin/mend <<'SCRIPT'
#!/bin/sh
rm -f /tmp/broken@S@
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nmended: health now answers 200\n'
SCRIPT
  cat > "$1"/cgi-bin/load <<'SCRIPT'
#!/bin/sh
if echo "$QUERY_STRING" | grep -Eq '^(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)$'; then
  echo "$QUERY_STRING" > /tmp/load@S@
  printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nload set to %s\n' "$QUERY_STRING"
else
  printf 'Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n'
  echo "load not set: the query must be a decimal number from 0 to 1, e.g. load?0.75"
fi
SCRIPT
  cat > "$1"/cgi-bin/spin <<'SCRIPT'
#!/bin/sh
if [ ! -e /tmp/spin@S@ ]; then
  # In a session of its own: nothing the web server does to its script's process group ends it.
  setsid sh -c 'echo $$ > /tmp/spin@S@; exec sh -c "while :; do :; done"' </dev/null >/dev/null 2>&1 &
  i=0
  while [ ! -s /tmp/spin@S@ ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
fi
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nspinning on the vCPU (process %s); /cgi-bin/rest ends it\n' "$(cat /tmp/spin@S@)"
SCRIPT
  cat > "$1"/cgi-bin/rest <<'SCRIPT'
#!/bin/sh
[ -e /tmp/spin@S@ ] && kill "$(cat /tmp/spin@S@)" 2>/dev/null
rm -f /tmp/spin@S@
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nresting\n'
SCRIPT
  sed -i "s|@S@|$2|g" "$1"/cgi-bin/*
  chmod 755 "$1"/cgi-bin/*
}
app_scripts /www ""
app_scripts /www8080 -8080
mkdir -p /etc/snmp /tmp/snmp
cat > /etc/snmp/snmpd.conf <<'CONF'
agentaddress udp:161
rocommunity public
disablePerl true
CONF
cat > /snmpd.sh <<'SCRIPT'
#!/bin/sh
# Starts snmpd (it detaches) with its state in /tmp/snmp and no MIB files to read.
MIBS= SNMP_PERSISTENT_DIR=/tmp/snmp /usr/sbin/snmpd -C -c /etc/snmp/snmpd.conf -Lf /tmp/snmpd.log -p /tmp/snmpd.pid
SCRIPT
cat > /www/cgi-bin/snmpd-stop <<'SCRIPT'
#!/bin/sh
[ -s /tmp/snmpd.pid ] && kill "$(cat /tmp/snmpd.pid)" 2>/dev/null
rm -f /tmp/snmpd.pid
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nsnmpd stopped\n'
SCRIPT
cat > /www/cgi-bin/snmpd-start <<'SCRIPT'
#!/bin/sh
/snmpd.sh
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nsnmpd started\n'
SCRIPT
chmod 755 /snmpd.sh /www/cgi-bin/snmpd-stop /www/cgi-bin/snmpd-start
chmod 755 /dhcp.sh
# In the background, so that the disk's work below does not wait for DHCP.
(
  i=0
  while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
  if [ -e /sys/class/net/eth0 ]; then
    ip link set eth0 up
    if udhcpc -i eth0 -s /dhcp.sh -q -n -t 5 >/dev/null 2>&1; then
      echo "federa-guest: eth0 $(ip -4 -o addr show dev eth0 | awk '{print $4}')"
    else
      echo "federa-guest: eth0 got no address"
    fi
    httpd -p 80 -h /www && httpd -p 8080 -h /www8080 && echo "federa-guest: httpd up"
    /snmpd.sh && echo "federa-guest: snmpd up"
  fi
) &
# The ACPI power button (how libvirt asks a guest to shut down) is an input device: the first
# event on any of them powers the guest off. No keyboard is attached, so nothing else sends one.
for e in /dev/input/event*; do
  [ -c "$e" ] && (head -c 1 "$e" >/dev/null && echo "federa-guest: powering off" && poweroff -f) &
done
echo "federa-guest: init up"
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
mode=idle
if [ -b /dev/vda ]; then
  dd if=/dev/vda of=/dev/null bs=64k count=64 2>/dev/null
  [ "$(head -c 11 /dev/vda)" = "FEDERA-BUSY" ] && mode=busy
  mark=
  for w in $(cat /proc/cmdline); do
    case "$w" in federa.mark=*) mark=${w#federa.mark=} ;; esac
  done
  if [ -n "$mark" ]; then
    printf 'FEDERA-MARK:%s\n' "$mark" > /mark
    if dd if=/mark of=/dev/vda bs=1M seek=768 conv=fsync 2>/dev/null && sync; then
      echo "federa-guest: marker written $mark"
    else
      echo "federa-guest: marker not written"
    fi
  else
    found=$(dd if=/dev/vda bs=1M skip=768 count=1 2>/dev/null | head -c 128 | head -n 1)
    case "$found" in FEDERA-MARK:*) echo "federa-guest: marker read ${found#FEDERA-MARK:}" ;; esac
  fi
fi
echo "federa-guest: $mode"
if [ $mode = busy ]; then
  while :; do :; done
fi
while :; do sleep 3600; done
EOF
}

cmd=${1:-}
shift || true
case "$cmd" in
  up) [ $# -gt 0 ] || fail usage "up needs at least one user"; up "$@" ;;
  down) down "$@" ;;
  guest) [ $# -eq 1 ] || fail usage "guest needs one folder"; guest "$1" ;;
  bridge) [ $# -eq 1 ] || fail usage "bridge needs one namespace name"; bridge "$1" ;;
  bridge-down) [ $# -eq 1 ] || fail usage "bridge-down needs one namespace name"; bridge_down "$1" ;;
  *) fail usage "real-hypervisors.sh up|down USER..., guest DIR, or bridge|bridge-down NETNS" ;;
esac
