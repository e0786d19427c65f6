#!/usr/bin/env bash
# Copies the IETF and IANA modules that Federa's MIB modules (and stations reading the agent's
# system group and the VM-MIB) need into mibs/. Never edit those files by hand: run this again.
#  * From the npm package net-snmp (package/lib/mibs/, one file per module), byte for byte.
#  * The VM-MIB and what it imports that net-snmp's package lacks: extracted with smistrip from
#    the RFCs as Debian ships them (non-free packages doc-rfc-std and doc-rfc-std-proposed,
#    fetched with apt from a private list of sources: the machine's own apt configuration is
#    neither read nor changed).
#
#   mibs/update-ietf-modules.sh           copy them (after changing a version or a list below)
#   mibs/update-ietf-modules.sh --check   exit 1 if a shipped copy differs from its source
#
# Needs npm, apt-get, dpkg-deb and smistrip (apt-get install smistrip), the npm registry and
# deb.debian.org; the two RFC packages weigh about 210 MB. See mibs/IETF-MODULES.md for where each
# module comes from and its copyright terms.
set -euo pipefail

NET_SNMP_VERSION="3.29.2"
# SNMPv2-SMI, -TC, -CONF: imported by Federa's modules. SNMPv2-MIB: the system group that names
# the agent and the manager. IF-MIB (and IANAifType-MIB, which it imports): imported by the VM-MIB.
MODULES=(SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB IF-MIB IANAifType-MIB)
# Debian's collection of RFCs (bookworm, non-free), and which module comes from which RFC:
# "<package>:<path under usr/share/doc/RFC/>:<module>".
DEBIAN_SUITE="bookworm"
DOC_RFC_VERSION="20230121-1"
RFC_MODULES=(
  "doc-rfc-std-proposed:proposed-standard/rfc7666.txt.gz:VM-MIB"
  "doc-rfc-std-proposed:proposed-standard/rfc7666.txt.gz:IANA-STORAGE-MEDIA-TYPE-MIB"
  "doc-rfc-std-proposed:proposed-standard/rfc6933.txt.gz:UUID-TC-MIB"
  "doc-rfc-std:standard/rfc3411.txt.gz:SNMP-FRAMEWORK-MIB"
  # Not imported by any module a Federa program serves, but by the modules that Debian's snmp
  # package installs in /usr/share/snmp/mibs: without them, every "-m ALL" of net-snmp's tools
  # prints "Cannot find module" for net-snmp's own modules.
  "doc-rfc-std-proposed:proposed-standard/rfc2856.txt.gz:HCNUM-TC"
  "doc-rfc-std-proposed:proposed-standard/rfc4001.txt.gz:INET-ADDRESS-MIB"
  "doc-rfc-std:standard/rfc3415.txt.gz:SNMP-VIEW-BASED-ACM-MIB"
)

mibs_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=false
if [ "${1:-}" = "--check" ]; then
  check=true
elif [ $# -gt 0 ]; then
  echo "usage: $0 [--check]" >&2
  exit 2
fi
for tool in npm apt-get dpkg-deb smistrip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$0: $tool is not installed (apt-get install $tool)" >&2; exit 2; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent "net-snmp@$NET_SNMP_VERSION" >"$tmp/npm.log" 2>&1); then
  cat "$tmp/npm.log" >&2
  echo "$0: npm pack net-snmp@$NET_SNMP_VERSION failed (is the npm registry reachable?)" >&2
  exit 1
fi
tar -xzf "$tmp"/net-snmp-*.tgz -C "$tmp"
status=0
# One module: copied, or compared with the shipped copy.
deliver() {
  local from="$1" name="$2"
  if $check; then
    if ! cmp -s "$from" "$mibs_dir/$name.txt"; then
      echo "$0: mibs/$name.txt differs from its source ($3)" >&2
      status=1
    fi
  else
    cp "$from" "$mibs_dir/$name.txt"
  fi
}
for m in "${MODULES[@]}"; do
  from="$tmp/package/lib/mibs/$m.mib"
  if [ ! -f "$from" ]; then
    echo "$0: net-snmp@$NET_SNMP_VERSION has no $m" >&2
    exit 1
  fi
  deliver "$from" "$m" "net-snmp@$NET_SNMP_VERSION's package/lib/mibs/$m.mib"
done

apt="$tmp/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$apt/root" "$apt/modules"
echo "deb http://deb.debian.org/debian $DEBIAN_SUITE non-free" >"$apt/sources.list"
apt_options=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Debug::NoLocking=1")
if ! apt-get "${apt_options[@]}" -qq update >"$tmp/apt.log" 2>&1; then
  cat "$tmp/apt.log" >&2
  echo "$0: apt-get update of Debian $DEBIAN_SUITE non-free failed (is deb.debian.org reachable?)" >&2
  exit 1
fi
packages=()
for entry in "${RFC_MODULES[@]}"; do
  package="${entry%%:*}"
  [[ " ${packages[*]-} " == *" $package "* ]] || packages+=("$package")
done
for package in "${packages[@]}"; do
  if ! (cd "$apt/debs" && apt-get "${apt_options[@]}" -qq download "$package=$DOC_RFC_VERSION") >"$tmp/apt.log" 2>&1; then
    cat "$tmp/apt.log" >&2
    echo "$0: apt-get download $package=$DOC_RFC_VERSION failed" >&2
    exit 1
  fi
  dpkg-deb -x "$apt/debs/${package}_${DOC_RFC_VERSION}_all.deb" "$apt/root"
done
for entry in "${RFC_MODULES[@]}"; do
  IFS=: read -r package rfc module <<<"$entry"
  text="$apt/root/usr/share/doc/RFC/$rfc"
  [ -f "$text" ] || { echo "$0: $package=$DOC_RFC_VERSION has no $rfc" >&2; exit 1; }
  gunzip -c "$text" >"$apt/rfc.txt"
  rm -rf "$apt/modules" && mkdir "$apt/modules"
  smistrip -d "$apt/modules" -m "$module" "$apt/rfc.txt" >/dev/null
  [ -f "$apt/modules/$module" ] || { echo "$0: smistrip found no $module in $rfc" >&2; exit 1; }
  deliver "$apt/modules/$module" "$module" "smistrip of $rfc in Debian's $package $DOC_RFC_VERSION"
done

if $check && [ "$status" -eq 0 ]; then
  echo "$0: $(( ${#MODULES[@]} + ${#RFC_MODULES[@]} )) module(s) identical to their sources"
fi
exit "$status"
