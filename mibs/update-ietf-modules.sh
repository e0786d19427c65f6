#!/usr/bin/env bash
# Copies the IETF and IANA modules that Federa's MIB modules (and stations reading the agent's
# system group and the VM-MIB) need into mibs/, byte for byte, from the npm package net-snmp
# (package/lib/mibs/, one file per module). Never edit those files by hand: run this again.
#
#   mibs/update-ietf-modules.sh           copy them (after changing NET_SNMP_VERSION or MODULES)
#   mibs/update-ietf-modules.sh --check   exit 1 if a shipped copy differs from the package's
#
# Needs npm and the npm registry. See mibs/IETF-MODULES.md for where each module comes from, its
# copyright terms, and the modules that neither this package nor Debian ships.
set -euo pipefail

NET_SNMP_VERSION="3.29.2"
# SNMPv2-SMI, -TC, -CONF: imported by Federa's modules. SNMPv2-MIB: the system group that names
# the agent and the manager. IF-MIB (and IANAifType-MIB, which it imports): imported by the VM-MIB.
MODULES=(SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB IF-MIB IANAifType-MIB)

mibs_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=false
if [ "${1:-}" = "--check" ]; then
  check=true
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi
command -v npm >/dev/null 2>&1 || { echo "$0: npm is not installed (apt-get install npm)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "net-snmp@$NET_SNMP_VERSION" >"$tmp/npm.log" 2>&1); then
  cat "$tmp/npm.log" >&2
  echo "$0: npm pack net-snmp@$NET_SNMP_VERSION failed (is the npm registry reachable?)" >&2
  exit 1
fi
tar -xzf "$tmp"/net-snmp-*.tgz -C "$tmp"
status=0
for m in "${MODULES[@]}"; do
  from="$tmp/package/lib/mibs/$m.mib"
  if [ ! -f "$from" ]; then
    echo "$0: net-snmp@$NET_SNMP_VERSION has no $m" >&2
    exit 1
  fi
  if $check; then
    if ! cmp -s "$from" "$mibs_dir/$m.txt"; then
      echo "$0: mibs/$m.txt differs from net-snmp@$NET_SNMP_VERSION's package/lib/mibs/$m.mib" >&2
      status=1
    fi
  else
    cp "$from" "$mibs_dir/$m.txt"
  fi
done
if $check && [ "$status" -eq 0 ]; then
  echo "$0: ${#MODULES[@]} module(s) identical to net-snmp@$NET_SNMP_VERSION: ${MODULES[*]}"
fi
exit "$status"
