#!/usr/bin/env bash
# Lints every MIB module in mibs/ (mibs/*.txt) with smilint at its strictest level (-l 6: every
# error and every warning libsmi knows, plus the name-length check it leaves off by default). Prints smilint's output; exits 1 if smilint printed
# anything at all, 0 when every module is clean, 2 when a tool is missing.
#
# smilint needs the SMIv2 base modules (SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, ...) that our modules
# import. Debian ships none of them, and the project commits none: they are taken at run time
# from the npm package net-snmp (package/lib/mibs/) and kept, unpacked, in target/mib-base/ so
# that later runs need neither npm nor the network. Delete target/mib-base/ to fetch them again.
#
# net-snmp does not ship SNMP-FRAMEWORK-MIB (RFC 3411), from which our modules import
# SnmpAdminString. So this script writes, on every run, a stand-in of its own into
# target/mib-base/stand-in/ that declares only that textual convention, with the standard's
# syntax and display hint, so that smilint checks our use of it as it would against the real
# module. It comes after the package's modules on the search path: should the package ever
# ship the real module, smilint takes that one. The stand-in is for linting only; an NMS loads
# the real SNMP-FRAMEWORK-MIB.
#
# Usage: mibs/lint.sh            (from anywhere; paths are taken from the script's location)
set -euo pipefail

NET_SNMP_VERSION="3.29.2"   # the npm package the base modules come from, pinned for repeatability

mibs_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$mibs_dir")"
base="$root/target/mib-base"
stamp="$base/.source"
source_id="net-snmp@$NET_SNMP_VERSION"

missing_tool() {
  echo "mibs/lint.sh: '$1' is not installed: install the Debian package $2 (apt-get install $2)" >&2
  exit 2
}

command -v smilint >/dev/null 2>&1 || missing_tool smilint smitools
# npm is needed only to fill target/mib-base/ (first run, or after the pinned version changed).

# Writes the SNMP-FRAMEWORK-MIB stand-in (see the header) into the folder $1.
write_framework_stand_in() {
  cat >"$1/SNMP-FRAMEWORK-MIB" <<'EOF'
SNMP-FRAMEWORK-MIB DEFINITIONS ::= BEGIN

-- Stand-in written by Federa's mibs/lint.sh for linting only: the npm
-- package net-snmp, where the other base modules come from, lacks this
-- module. It declares only SnmpAdminString, with the syntax and display
-- hint that RFC 3411 gives it. Not the real module; do not distribute.

IMPORTS
    MODULE-IDENTITY, snmpModules FROM SNMPv2-SMI
    TEXTUAL-CONVENTION           FROM SNMPv2-TC;

snmpFrameworkMIB MODULE-IDENTITY
    LAST-UPDATED "202611280000Z"
    ORGANIZATION "Federa (stand-in for linting)"
    CONTACT-INFO "See mibs/lint.sh in the Federa repository."
    DESCRIPTION
        "Stand-in for the SNMP management framework module, declaring
        only SnmpAdminString so that modules importing it can be
        linted."
    REVISION     "202611280000Z"
    DESCRIPTION  "Stand-in for linting."
    ::= { snmpModules 10 }

SnmpAdminString ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "255t"
    STATUS       current
    DESCRIPTION
        "Administrative text, UTF-8 encoded, at most 255 octets."
    SYNTAX       OCTET STRING (SIZE (0..255))

END
EOF
}

fetch_base_modules() {
  command -v npm >/dev/null 2>&1 || missing_tool npm npm
  echo "mibs/lint.sh: fetching the SMIv2 base modules from the npm package $source_id into target/mib-base/"
  local tmp staging
  tmp="$(mktemp -d)"
  mkdir -p "$root/target"
  # Filled beside its final place, then renamed: an interrupted run never leaves a half-filled
  # target/mib-base/ behind.
  staging="$root/target/.mib-base.$$"
  # shellcheck disable=SC2064  # expand the paths now: they are local to this function
  trap "rm -rf '$tmp' '$staging'" EXIT
  if ! (cd "$tmp" && npm pack --silent "$source_id" >"$tmp/npm.log" 2>&1); then
    cat "$tmp/npm.log" >&2
    echo "mibs/lint.sh: npm pack $source_id failed (is the npm registry reachable?)" >&2
    exit 1
  fi
  tar -xzf "$tmp"/net-snmp-*.tgz -C "$tmp"
  local from="$tmp/package/lib/mibs"
  mkdir -p "$staging"
  local f
  for f in "$from"/*.mib; do
    # smilint looks a module up by its name, with or without an extension: store each one under
    # its bare module name (the package names each file after the module it holds).
    cp "$f" "$staging/$(basename "$f" .mib)"
  done
  local m
  for m in SNMPv2-SMI SNMPv2-TC SNMPv2-CONF; do
    if [ ! -f "$staging/$m" ]; then
      echo "mibs/lint.sh: $source_id has no $m in package/lib/mibs/" >&2
      exit 1
    fi
  done
  echo "$source_id" >"$staging/.source"
  rm -rf "$base"
  mv "$staging" "$base"
  rm -rf "$tmp"
  trap - EXIT
}

if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$source_id" ]; then
  fetch_base_modules
fi

mkdir -p "$base/stand-in"
write_framework_stand_in "$base/stand-in"

cd "$root"
shopt -s nullglob
modules=(mibs/*.txt)
if [ ${#modules[@]} -eq 0 ]; then
  echo "mibs/lint.sh: no MIB module (mibs/*.txt) to lint" >&2
  exit 1
fi

# SMIPATH replaces libsmi's built-in search path (it neither starts nor ends with ':'), and
# '-c /dev/null' keeps /etc/smi.conf and ~/.smirc out: the result depends on nothing but the
# files here and the pinned base modules. '-I namelength-32' turns on the one check smilint
# leaves off by default (RFC 2578: descriptors should not exceed 32 characters; some NMSes cut
# them). -s and -m print each problem's level and name. smilint reports on stderr and exits 0
# even on errors, so its output decides.
status=0
output="$(SMIPATH="$base:$base/stand-in:$root/mibs" \
  smilint -c /dev/null -l 6 -s -m -I namelength-32 "${modules[@]}" 2>&1)" || status=$?
if [ -n "$output" ]; then
  printf '%s\n' "$output"
fi
if [ -n "$output" ] || [ "$status" -ne 0 ]; then
  echo "mibs/lint.sh: smilint found problems (exit status $status)" >&2
  exit 1
fi
echo "mibs/lint.sh: ${#modules[@]} module(s) clean under smilint -l 6 -I namelength-32: ${modules[*]}"
