#!/usr/bin/env bash
# Installs what Federa needs to build, run and test on a Debian machine: a JDK 17, Maven,
# libvirt's client library (its test driver runs in-process, no daemon), openssl (bin/federa-certs
# makes the test and demo certificates with it), and the tools the tests
# use as real peers: net-snmp's station tools, snmptrapd, snmpd (which plays a third-party host
# serving only the VM-MIB), smilint (smitools) and npm (which fetches the SMIv2 base modules for
# smilint, and Redocly CLI, which lints the manager's OpenAPI description), Prometheus with promtool,
# Alertmanager, and a PostgreSQL server that the tests start in a folder of their
# own; and for the tests that drive real guests, libvirt's daemon with its QEMU driver, QEMU
# (software emulation is enough), virsh, busybox and cpio (scripts/real-hypervisors.sh builds the
# test guest from them and a Debian kernel package). Installs only what is missing; uses sudo when
# not root.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
# grep reads the whole list: with -q it would stop at the first match, and ldconfig, cut off, fail the
# pipeline (pipefail), which read as "missing" and reinstalled libvirt0 on every run.
ldconfig -p 2>/dev/null | grep 'libvirt\.so\.0' >/dev/null || need+=(libvirt0)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v snmpbulkwalk >/dev/null 2>&1 || need+=(snmp)
[ -x /usr/sbin/snmptrapd ] || need+=(snmptrapd)
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
command -v smilint >/dev/null 2>&1 || need+=(smitools)
command -v npm >/dev/null 2>&1 || need+=(npm)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
{ [ -x /usr/bin/prometheus-alertmanager ] && command -v amtool >/dev/null 2>&1; } || need+=(prometheus-alertmanager)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)
command -v libvirtd >/dev/null 2>&1 || need+=(libvirt-daemon)
[ -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] \
  || compgen -G '/usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so' >/dev/null || need+=(libvirt-daemon-driver-qemu)
command -v virsh >/dev/null 2>&1 || need+=(libvirt-clients)
command -v qemu-system-x86_64 >/dev/null 2>&1 || need+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || need+=(qemu-utils)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v cpio >/dev/null 2>&1 || need+=(cpio)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# Guests on a bridge in a network namespace of the test's own: dnsmasq answers their DHCP, the
# bridge helper's copy gets its capabilities from setcap, socat carries the test's connections
# into the namespace.
[ -x /usr/sbin/dnsmasq ] || need+=(dnsmasq-base)
command -v setcap >/dev/null 2>&1 || need+=(libcap2-bin)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v ip >/dev/null 2>&1 || need+=(iproute2)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
# shellcheck disable=SC2207
need=($(printf '%s\n' "${need[@]}" | sort -u))
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: need root or sudo to install: ${need[*]}" >&2; exit 1
  fi
fi
echo "install-deps: installing ${need[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
