#!/usr/bin/env bash
# Lints every Federa MIB module in mibs/ (mibs/FEDERA-*.txt) with smilint at its strictest level
# (-l 6: every error and every warning libsmi knows, plus the name-length check it leaves off by
# default). Prints smilint's output; exits 1 if smilint printed anything at all, 0 when every
# module is clean, 2 when smilint is missing.
#
# Only Federa's own modules (mibs/FEDERA-*.txt) are linted. The IETF and IANA modules they import
# (SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF) are shipped beside them in mibs/, unmodified copies taken
# by mibs/update-ietf-modules.sh (see mibs/IETF-MODULES.md): smilint finds them there, so the
# lint needs neither npm nor the network.
#
# Usage: mibs/lint.sh            (from anywhere; paths are taken from the script's location)
set -euo pipefail

mibs_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$mibs_dir")"

missing_tool() {
  echo "mibs/lint.sh: '$1' is not installed: install the Debian package $2 (apt-get install $2)" >&2
  exit 2
}

command -v smilint >/dev/null 2>&1 || missing_tool smilint smitools
cd "$root"
shopt -s nullglob
modules=(mibs/FEDERA-*.txt)
if [ ${#modules[@]} -eq 0 ]; then
  echo "mibs/lint.sh: no MIB module (mibs/FEDERA-*.txt) to lint" >&2
  exit 1
fi

# SMIPATH replaces libsmi's built-in search path (it neither starts nor ends with ':'), and
# '-c /dev/null' keeps /etc/smi.conf and ~/.smirc out: the result depends on nothing but the
# files in mibs/. '-I namelength-32' turns on the one check smilint leaves off by default (RFC 2578: descriptors should not exceed 32 characters; some NMSes cut
# them). -s and -m print each problem's level and name. smilint reports on stderr and exits 0
# even on errors, so its output decides.
# One smilint run per module: a module that another one imports is loaded with it, and linting
# it again in the same run would only say it is already loaded.
status=0
output=""
for m in "${modules[@]}"; do
  one="$(SMIPATH="$root/mibs" \
    smilint -c /dev/null -l 6 -s -m -I namelength-32 "$m" 2>&1)" || status=$?
  output="$output$one"
done
if [ -n "$output" ]; then
  printf '%s\n' "$output"
fi
if [ -n "$output" ] || [ "$status" -ne 0 ]; then
  echo "mibs/lint.sh: smilint found problems (exit status $status)" >&2
  exit 1
fi
echo "mibs/lint.sh: ${#modules[@]} module(s) clean under smilint -l 6 -I namelength-32: ${modules[*]}"
