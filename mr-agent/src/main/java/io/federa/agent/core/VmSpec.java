package io.federa.agent.core;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What the manager asks the agent to define: a VM's name, the application and service it
 * serves, and its resources. Validated in the constructor: a spec that exists is a spec the
 * agent can carry out.
 *
 * @param uuid an identity to keep (a VM moved from another host); empty for a new VM
 * @param diskFormat the format of its disk image; raw unless the spec names another
 * @param ports      guest TCP ports to forward from the host (on a real hypervisor with user-mode
 *                   networking; see {@code DomainXml}), each 1–65535, distinct; empty by default
 * @param udpPorts   guest UDP ports to forward likewise (an SNMP agent in the guest)
 *                   ; the two lists hold at most {@value #MAX_PORTS} ports together
 */
public record VmSpec(String name, String application, String service, int vcpus, long memoryMiB,
                     long diskGiB, Optional<UUID> uuid, DiskFormat diskFormat, List<Integer> ports, List<Integer> udpPorts) {
    public static final int MAX_VCPUS = 256;
    public static final long MAX_MEMORY_MIB = 4L * 1024 * 1024;
    public static final long MAX_DISK_GIB = 64L * 1024;
    public static final int MAX_PORTS = 16;

    public VmSpec {
        if (!Names.isDnsLabel(name)) {
            throw new InvalidSpecException("name", "must be " + Names.DNS_LABEL_RULE + ", got " + quote(name));
        }
        if (!Names.isLabel(application)) {
            throw new InvalidSpecException("application", "must be " + Names.LABEL_RULE + ", got " + quote(application));
        }
        if (!Names.isLabel(service)) {
            throw new InvalidSpecException("service", "must be " + Names.LABEL_RULE + ", got " + quote(service));
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new InvalidSpecException("vcpus", "must be between 1 and " + MAX_VCPUS + ", got " + vcpus);
        }
        if (memoryMiB < 16 || memoryMiB > MAX_MEMORY_MIB) {
            throw new InvalidSpecException("memoryMiB", "must be between 16 and " + MAX_MEMORY_MIB + ", got " + memoryMiB);
        }
        if (diskGiB < 1 || diskGiB > MAX_DISK_GIB) {
            throw new InvalidSpecException("diskGiB", "must be between 1 and " + MAX_DISK_GIB + ", got " + diskGiB);
        }
        uuid = uuid == null ? Optional.empty() : uuid;
        diskFormat = diskFormat == null ? DiskFormat.RAW : diskFormat;
        ports = checkPorts(ports, "ports");
        udpPorts = checkPorts(udpPorts, "udpPorts");
        if (ports.size() + udpPorts.size() > MAX_PORTS) {
            throw new InvalidSpecException(udpPorts.isEmpty() ? "ports" : "udpPorts", "at most " + MAX_PORTS
                    + " ports in all, got " + (ports.size() + udpPorts.size()));
        }
    }

    /** A spec whose guest ports are all TCP. */
    public VmSpec(String name, String application, String service, int vcpus, long memoryMiB, long diskGiB,
                  Optional<UUID> uuid, DiskFormat diskFormat, List<Integer> ports) {
        this(name, application, service, vcpus, memoryMiB, diskGiB, uuid, diskFormat, ports, List.of());
    }

    private static List<Integer> checkPorts(List<Integer> ports, String field) {
        List<Integer> out = ports == null ? List.of() : List.copyOf(ports);
        if (out.size() > MAX_PORTS) {
            throw new InvalidSpecException(field, "at most " + MAX_PORTS + " ports, got " + out.size());
        }
        Set<Integer> seen = new HashSet<>();
        for (int port : out) {
            if (port < 1 || port > 65535) {
                throw new InvalidSpecException(field, "each must be between 1 and 65535, got " + port);
            }
            if (!seen.add(port)) {
                throw new InvalidSpecException(field, "must be distinct, got " + port + " twice");
            }
        }
        return out;
    }

    /** A spec that forwards no port. */
    public VmSpec(String name, String application, String service, int vcpus, long memoryMiB, long diskGiB,
                  Optional<UUID> uuid, DiskFormat diskFormat) {
        this(name, application, service, vcpus, memoryMiB, diskGiB, uuid, diskFormat, List.of(), List.of());
    }

    /** A spec whose disk is raw. */
    public VmSpec(String name, String application, String service, int vcpus, long memoryMiB, long diskGiB,
                  Optional<UUID> uuid) {
        this(name, application, service, vcpus, memoryMiB, diskGiB, uuid, DiskFormat.RAW, List.of(), List.of());
    }

    /** {@link #quote} for other packages' messages. */
    public static String quoteForMessage(String s) {
        return quote(s);
    }

    /** Shows at most 40 characters of a refused value, escaped, so an error message stays one short line. */
    static String quote(String s) {
        if (s == null) {
            return "nothing";
        }
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().limit(40).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else if (c == '"' || c == '\\') {
                b.append('\\').appendCodePoint(c);
            } else {
                b.appendCodePoint(c);
            }
        });
        b.append('"');
        if (s.codePointCount(0, s.length()) > 40) {
            b.append("… (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }
}
