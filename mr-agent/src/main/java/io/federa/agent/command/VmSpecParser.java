package io.federa.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.core.DiskFormat;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.VmSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Reads a VM spec from its JSON form, e.g.
 * {@code {"name":"web-1","application":"web","service":"shop","vcpus":2,"memoryMiB":2048,"diskGiB":20}},
 * optionally with {@code "diskFormat":"qcow2"} (raw when absent), {@code "ports":[80,8080]}, the
 * guest TCP ports to forward, and {@code "udpPorts":[161]}, the guest UDP ports (none when absent).
 * Strict: unknown fields, wrong types, duplicate keys and oversized documents are refused with
 * the field named.
 */
public final class VmSpecParser {
    public static final int MAX_CHARS = 64 * 1024;
    private static final Set<String> FIELDS = Set.of("name", "application", "service", "vcpus", "memoryMiB",
            "diskGiB", "diskFormat", "uuid", "ports", "udpPorts");
    private static final ObjectMapper JSON = StrictJson.mapper(8, MAX_CHARS, 32);

    private VmSpecParser() {
    }

    public static VmSpec parse(String json) {
        JsonNode root = StrictJson.object(JSON, json, "spec", MAX_CHARS, "a JSON object with name, application, "
                + "service, vcpus, memoryMiB and diskGiB", FIELDS, "application, diskFormat, diskGiB, memoryMiB, name, ports, service, udpPorts, uuid, vcpus");
        Optional<UUID> uuid = Optional.empty();
        if (root.has("uuid") && !root.get("uuid").isNull()) {
            String u = text(root, "uuid");
            try {
                UUID parsed = UUID.fromString(u);
                if (!parsed.toString().equals(u.toLowerCase(java.util.Locale.ROOT))) {
                    throw new IllegalArgumentException();
                }
                uuid = Optional.of(parsed);
            } catch (IllegalArgumentException e) {
                throw new InvalidSpecException("uuid", "must be a UUID in its 8-4-4-4-12 hexadecimal form");
            }
        }
        DiskFormat format = DiskFormat.RAW;
        if (root.has("diskFormat") && !root.get("diskFormat").isNull()) {
            format = DiskFormat.of(text(root, "diskFormat"));
        }
        return new VmSpec(text(root, "name"), text(root, "application"), text(root, "service"),
                (int) number(root, "vcpus", Integer.MAX_VALUE), number(root, "memoryMiB", Long.MAX_VALUE),
                number(root, "diskGiB", Long.MAX_VALUE), uuid, format, ports(root, "ports", "TCP"), ports(root, "udpPorts", "UDP"));
    }

    /** The guest ports, empty when absent or null; their count, range and distinctness are checked by {@link VmSpec}. */
    private static List<Integer> ports(JsonNode root, String field, String protocol) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new InvalidSpecException(field, "must be an array of " + protocol + " port numbers");
        }
        List<Integer> out = new ArrayList<>(v.size());
        for (JsonNode p : v) {
            if (!p.isIntegralNumber() || !p.canConvertToInt()) {
                throw new InvalidSpecException(field, "each must be a whole number between 1 and 65535");
            }
            out.add(p.asInt());
        }
        return out;
    }

    private static String text(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidSpecException(field, "is required");
        }
        if (!v.isTextual()) {
            throw new InvalidSpecException(field, "must be a string");
        }
        return v.asText();
    }

    private static long number(JsonNode root, String field, long max) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidSpecException(field, "is required");
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() > max) {
            throw new InvalidSpecException(field, "must be a whole number");
        }
        return v.asLong();
    }
}
