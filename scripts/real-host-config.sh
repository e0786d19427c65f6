#!/usr/bin/env bash
# Prints an MR agent's configuration for a host with real guests, made from an agent
# configuration on libvirt's test driver (demo/host-N.yaml, or one derived from it):
#
#   real-host-config.sh CONFIG HOME URI [STORAGE_GIB]
#
# The test driver's node gives way to the hypervisor at URI, whose guests boot the test guest's
# kernel and initrd from HOME (scripts/real-hypervisors.sh guest builds them); the host runs the
# qemu runtime, keeps its data in HOME/data, offers STORAGE_GIB (default 20) of storage, and reads
# its TLS files, if any, from HOME (the caller copies them there). Everything else is kept.
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: real-host-config.sh CONFIG HOME URI [STORAGE_GIB]" >&2; exit 2; }
awk -v uri="$3" -v home="$2" -v storage="${4:-20}" '
  /^libvirt:/ { print "libvirt:"; print "  uri: \"" uri "\"";
                print "  guest: { kernel: " home "/vmlinuz, initrd: " home "/initrd.gz, cmdline: \"console=ttyS0 quiet\" }";
                print "  shutdownTimeout: 30s"; skip = 1; next }
  /^capacity:/ { skip = 0; print; print "  storageGiB: " storage; next }
  skip { next }
  /^  runtimes:/ { print "  runtimes: [qemu]"; next }
  /^dataDir:/ { print "dataDir: " home "/data"; next }
  /^  (cert|key|ca): / { split($0, kv, ": "); f = kv[2]; sub(/.*\//, "", f); print kv[1] ": " home "/" f; next }
  { print }' "$1"
