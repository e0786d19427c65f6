#!/usr/bin/env bash
# Installs what Federa needs to build, run and test on a Debian machine: a JDK 17, Maven,
# libvirt's client library (its test driver runs in-process, no daemon), openssl (bin/federa-certs
# makes the test and demo certificates with it), and the tools the tests
# use as real peers: net-snmp's station tools, snmptrapd, snmpd (which plays a third-party host
# serving only the VM-MIB), smilint (smitools) and npm (which fetches the SMIv2 base modules for
# smilint, and Redocly CLI, which lints the manager's OpenAPI description), Prometheus with promtool, Alertmanager, and a PostgreSQL server that the tests start in a folder of their
# own. Installs only what is missing; uses sudo when not root.
set -euo pipefail

need=()
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
ldconfig -p 2>/dev/null | grep -q 'libvirt\.so\.0' || need+=(libvirt0)
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
