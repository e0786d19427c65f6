package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads an agent's answer to the poll — the bulk of {@code read federa:type=Host} and
 * {@code read federa:type=VirtualMachine,*} — into a host and its VMs. Trusts nothing: every
 * field is type-checked, and any surprise is a {@link BadPayloadException} that names it, so a
 * broken or hostile agent marks itself as failing instead of breaking the poller.
 */
public final class JolokiaPollParser {
    /** The VM attributes the manager reads. */
    public static final List<String> ATTRIBUTES = List.of("Name", "Uuid", "State", "Application", "Service", "Vcpus",
            "MemoryBytes", "Disk", "Network", "CpuLoadRatio", "UptimeSeconds", "Epoch", "CpuTimeNanoseconds",
            "Endpoints");

    /** The request the manager sends each cycle: the host, and the VM attributes it keeps. */
    public static final String POLL = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":["
            + String.join(",", ATTRIBUTES.stream().map(a -> "\"" + a + "\"").toList()) + "]}]";

    /**
     * The same poll that also renews the manager's lease on the agent with a signed statement
     * ({@link LeaseSigner}); {@code member} is the agent's name in the statement's fleet, and
     * {@code latestEndMillis} the latest the lease it grants may end (this manager's wall clock,
     * ms since the epoch), however late the agent reads it. The agent powers off the VMs the
     * manager placed once the lease runs out, unless its peers show that no manager renews anyone
     * (docs/lifecycle.md).
     */
    public static String renewing(String envelope, String member, long latestEndMillis) {
        return renewing(new LeaseSigner.Signed(envelope, 0, ""), member, latestEndMillis);
    }

    /** The same, with the statement's envelope quoted once when it was signed, not at each poll. */
    static String renewing(LeaseSigner.Signed statement, String member, long latestEndMillis) {
        return RENEWING_PREFIX + statement.quotedEnvelope() + "," + io.vertx.core.json.Json.encode(member) + ","
                + latestEndMillis + "]}]";
    }

    private static final String RENEWING_PREFIX = POLL.substring(0, POLL.length() - 1)
            + ",{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\",\"operation\":\"renewLeaseBefore\",\"arguments\":[";
    static final int MAX_VMS = 100_000;
    /**
     * Thread-safe; parsers made from it refuse strings longer than an answer may be. Field names
     * are neither canonicalized nor interned: every VM's key is a name of its own
     * ("federa:name=web-1,type=VirtualMachine"), and a symbol table shared by the parsers grew with
     * the fleet, was copied into each new parser and rehashed — two thirds of the manager's
     * allocation and a quarter of its CPU at 3,000 agents (JFR).
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Streaming.MAX_DEPTH + 8)
                    .maxStringLength(1 << 20).build())
            .build();

    private JolokiaPollParser() {
    }

    /** Reads a parsed answer (tests build broken ones this way); the same rules as for the bytes. */
    public static AgentReport parse(JsonArray answer) throws BadPayloadException {
        if (answer == null) {
            throw new BadPayloadException("expected 2 or 3 answers to the bulk read, got none");
        }
        return parse(answer.toBuffer().getBytes());
    }

    /**
     * Reads an answer straight from its bytes, in one pass: the VMs' attributes go into their
     * records without a tree of maps being built first (decoding into Vert.x JSON objects was half
     * of the poll loop's CPU), and attributes the manager does not read are skipped.
     */
    public static AgentReport parse(byte[] answer) throws BadPayloadException {
        try (JsonParser p = JSON.createParser(answer)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new BadPayloadException("not the JSON of a Jolokia bulk answer: not a list");
            }
            HostStatus host = null;
            List<VmStatus> vms = null;
            AgentReport.LeaseAnswer lease = AgentReport.LeaseAnswer.NONE;
            int items = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) {
                    throw new BadPayloadException("not the JSON of a Jolokia bulk answer: it ends early");
                }
                int i = items++;
                if (i == 0) {
                    host = host(object(item(Streaming.value(p, 0), 0, "federa:type=Host"), "value", "Host"));
                } else if (i == 1) {
                    vms = vms(p, host.hostId());
                } else if (i == 2) {
                    lease = lease(Streaming.value(p, 0));
                } else {
                    p.skipChildren();
                }
            }
            if (items < 2 || items > 3) {
                throw new BadPayloadException("expected 2 or 3 answers to the bulk read, got " + items);
            }
            return new AgentReport(host, vms, lease);
        } catch (JsonProcessingException e) {
            throw new BadPayloadException("not the JSON of a Jolokia bulk answer: " + clip(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadPayloadException("not the JSON of a Jolokia bulk answer: " + clip(String.valueOf(e.getMessage())));
        }
    }

    /** The second answer: the VMs, or none when the pattern matched no MBean (Jolokia's 404). */
    private static List<VmStatus> vms(JsonParser p, String hostId) throws IOException, BadPayloadException {
        String what = "federa:type=VirtualMachine,*";
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new BadPayloadException("answer 1 (" + what + ") is not an object");
        }
        List<VmStatus> out = null;
        Object status = null;
        String error = null;
        String errorType = null;
        boolean valueSeen = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "value" -> {
                    valueSeen = true;
                    out = t == JsonToken.START_OBJECT ? vmMap(p, hostId) : null;
                    if (t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                    }
                }
                case "status" -> status = Streaming.value(p, 0);
                case "error" -> error = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "error_type" -> errorType = t == JsonToken.VALUE_STRING ? p.getText() : null;
                default -> p.skipChildren();
            }
        }
        if (status instanceof Number n && n.intValue() == 404 && "javax.management.InstanceNotFoundException".equals(errorType)) {
            // A host without VMs has no VM MBean for the pattern to match: Jolokia answers 404.
            return List.of();
        }
        if (!(status instanceof Number n) || n.intValue() != 200) {
            throw new BadPayloadException("reading " + what + " answered status " + status + (error != null ? ": " + clip(error) : ""));
        }
        if (!valueSeen || out == null) {
            throw new BadPayloadException("VirtualMachine: \"value\" is not an object");
        }
        out.sort(Comparator.comparing(VmStatus::name));
        return out;
    }

    private static List<VmStatus> vmMap(JsonParser p, String hostId) throws IOException, BadPayloadException {
        List<VmStatus> out = new ArrayList<>();
        Object[] slots = new Object[VM_FIELDS.size()];
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (out.size() >= MAX_VMS) {
                throw new BadPayloadException("the agent lists more than " + MAX_VMS + " VMs, which is not believed");
            }
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadPayloadException("VM entry " + clip(key) + " is not an object");
            }
            java.util.Arrays.fill(slots, null);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                Integer slot = VM_FIELDS.get(p.currentName());
                p.nextToken();
                if (slot == null) {
                    p.skipChildren();
                } else if (slot == DISK || slot == NETWORK) {
                    slots[slot] = Streaming.smallObject(p, slot == DISK ? DISK_FIELDS : NETWORK_FIELDS);
                } else {
                    slots[slot] = Streaming.scalar(p);
                }
            }
            out.add(vm(slots, hostId, key));
        }
        return out;
    }

    /** The renewal's answer: {@code {"remainingMillis","fleetVersion","term","peerUrl"}} as a JSON string, or a refusal. */
    private static AgentReport.LeaseAnswer lease(Object item) {
        if (!(item instanceof JsonObject lease) || !(lease.getValue("status") instanceof Number st)) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not a Jolokia answer");
        }
        if (st.intValue() != 200) {
            return new AgentReport.LeaseAnswer(false, "", "", clip(String.valueOf(lease.getValue("error"))));
        }
        if (!(lease.getValue("value") instanceof String text)) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal answered no statement of the lease");
        }
        try {
            JsonObject v = new JsonObject(text);
            String version = v.getValue("fleetVersion") instanceof String f ? f : "";
            String url = v.getValue("peerUrl") instanceof String u && u.length() <= 2_000 ? u : "";
            return new AgentReport.LeaseAnswer(true, clip(version), url, "");
        } catch (DecodeException e) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not JSON");
        }
    }

    private static JsonObject item(Object o, int i, String what) throws BadPayloadException {
        if (!(o instanceof JsonObject item)) {
            throw new BadPayloadException("answer " + i + " (" + what + ") is not an object");
        }
        Object status = item.getValue("status");
        if (!(status instanceof Number n) || n.intValue() != 200) {
            throw new BadPayloadException("reading " + what + " answered status " + status
                    + (item.getValue("error") instanceof String err ? ": " + clip(err) : ""));
        }
        return item;
    }

    private static HostStatus host(JsonObject h) throws BadPayloadException {
        try {
            return new HostStatus(str(h.getValue("HostId"), "HostId"), str(h.getValue("Site"), "Site"), bool(h.getValue("Offsite"), "Offsite"), (int) num(h.getValue("SecurityLevel"), "SecurityLevel"),
                    strings(h.getValue("Runtimes"), "Runtimes"), (int) num(h.getValue("Cpus"), "Cpus"), (int) num(h.getValue("VcpusAllocated"), "VcpusAllocated"), num(h.getValue("MemoryBytes"), "MemoryBytes"),
                    num(h.getValue("MemoryAllocatedBytes"), "MemoryAllocatedBytes"), num(h.getValue("StorageBytes"), "StorageBytes"), num(h.getValue("StorageAllocatedBytes"), "StorageAllocatedBytes"),
                    num(h.getValue("NetworkBandwidthBitsPerSecond"), "NetworkBandwidthBitsPerSecond"), dbl(h.getValue("NetworkUsedBitsPerSecond"), "NetworkUsedBitsPerSecond"), str(h.getValue("CostCurrency"), "CostCurrency"),
                    dbl(h.getValue("CostPerCpuSecond"), "CostPerCpuSecond"), dbl(h.getValue("CostPerStorageGiBHour"), "CostPerStorageGiBHour"), dbl(h.getValue("CostPerNetworkGB"), "CostPerNetworkGB"),
                    dbl(h.getValue("CostPerNetworkPacket"), "CostPerNetworkPacket"), str(h.getValue("AgentVersion"), "AgentVersion"), num(h.getValue("SampleTimestampMillis"), "SampleTimestampMillis"),
                    // An agent older than these two tells nothing of fencing: none counted.
                    h.getValue("FencedVms") == null ? 0 : num(h.getValue("FencedVms"), "FencedVms"),
                    h.getValue("LastFenceReason") == null ? "" : str(h.getValue("LastFenceReason"), "LastFenceReason"));
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("Host: " + e.getMessage());
        }
    }

    /** The VM attributes read, by their position in the slots of one VM. */
    private static final Map<String, Integer> VM_FIELDS;
    private static final int DISK;
    private static final int NETWORK;
    private static final java.util.Set<String> DISK_FIELDS = java.util.Set.of("capacityBytes");
    private static final java.util.Set<String> NETWORK_FIELDS = java.util.Set.of("receiveBytesPerSecond", "transmitBytesPerSecond",
            "transmittedBytes", "transmittedPackets");

    static {
        Map<String, Integer> fields = new java.util.HashMap<>();
        for (String a : ATTRIBUTES) {
            fields.put(a, fields.size());
        }
        VM_FIELDS = Map.copyOf(fields);
        DISK = VM_FIELDS.get("Disk");
        NETWORK = VM_FIELDS.get("Network");
    }

    private static VmStatus vm(Object[] v, String host, String key) throws BadPayloadException {
        try {
            Map<?, ?> disk = object(v[DISK], "Disk", "Disk");
            Map<?, ?> network = object(v[NETWORK], "Network", "Network");
            return new VmStatus(str(at(v, "Name"), "Name"), str(at(v, "Uuid"), "Uuid"), host, str(at(v, "State"), "State"),
                    str(at(v, "Application"), "Application"), str(at(v, "Service"), "Service"), (int) num(at(v, "Vcpus"), "Vcpus"),
                    num(at(v, "MemoryBytes"), "MemoryBytes"), num(disk.get("capacityBytes"), "capacityBytes"),
                    dbl(network.get("receiveBytesPerSecond"), "receiveBytesPerSecond") * 8,
                    dbl(network.get("transmitBytesPerSecond"), "transmitBytesPerSecond") * 8,
                    dbl(at(v, "CpuLoadRatio"), "CpuLoadRatio"), num(at(v, "UptimeSeconds"), "UptimeSeconds"),
                    at(v, "Epoch") == null ? 0 : num(at(v, "Epoch"), "Epoch"),
                    counters(at(v, "CpuTimeNanoseconds"), network), endpoints(at(v, "Endpoints")));
        } catch (BadPayloadException e) {
            throw new BadPayloadException("VM " + clip(key) + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("VM " + clip(key) + ": " + e.getMessage());
        }
    }

    /**
     * The totals cost metering reads. An agent older than the manager does not send them: the VM
     * is then not metered (UNKNOWN), not refused.
     */
    private static VmStatus.Counters counters(Object cpu, Map<?, ?> network) throws BadPayloadException {
        return new VmStatus.Counters(cpu == null ? -1 : num(cpu, "CpuTimeNanoseconds"),
                network.get("transmittedBytes") == null ? -1 : num(network.get("transmittedBytes"), "transmittedBytes"),
                network.get("transmittedPackets") == null ? -1 : num(network.get("transmittedPackets"), "transmittedPackets"));
    }

    /** At most this many forwarded ports per VM (the agent forwards at most 16). */
    static final int MAX_ENDPOINTS = 16;
    private static final java.util.regex.Pattern ENDPOINT =
            java.util.regex.Pattern.compile("([0-9]{1,5})(/udp)?=((?:[0-9]{1,3}\\.){3}[0-9]{1,3}|\\[[0-9a-fA-F:]{2,39}\\]):([0-9]{1,5})");

    /**
     * Where the host forwards the guest's ports, by the guest port's name ({@code 80}, or
     * {@code 161/udp} for a UDP port): {@code 80=127.0.0.1:41999,161/udp=127.0.0.1:42000} (absent
     * from an agent older than the manager: none).
     */
    static Map<String, String> endpoints(Object v) throws BadPayloadException {
        if (v == null) {
            return Map.of();
        }
        String s = str(v, "Endpoints");
        if (s.isEmpty()) {
            return Map.of();
        }
        String[] parts = s.split(",", MAX_ENDPOINTS + 1);
        if (parts.length > MAX_ENDPOINTS) {
            throw new BadPayloadException("\"Endpoints\" lists more than " + MAX_ENDPOINTS + " ports");
        }
        Map<String, String> out = new java.util.TreeMap<>();
        for (String part : parts) {
            java.util.regex.Matcher m = ENDPOINT.matcher(part);
            int guest = m.matches() ? Integer.parseInt(m.group(1)) : 0;
            int port = m.matches() ? Integer.parseInt(m.group(4)) : 0;
            if (guest < 1 || guest > 65_535 || port < 1 || port > 65_535
                    || out.put(guest + (m.group(2) == null ? "" : m.group(2)), m.group(3) + ":" + port) != null) {
                throw new BadPayloadException("\"Endpoints\" is not a list of guestPort[/udp]=address:port, got " + clip(part));
            }
        }
        return out;
    }

    private static Object at(Object[] slots, String attribute) {
        return slots[VM_FIELDS.get(attribute)];
    }

    private static Map<?, ?> object(Object v, String field, String what) throws BadPayloadException {
        if (!(v instanceof Map<?, ?> m)) {
            throw new BadPayloadException(what + ": \"" + field + "\" is not an object");
        }
        return m;
    }

    private static JsonObject object(JsonObject o, String field, String what) throws BadPayloadException {
        if (!(o.getValue(field) instanceof JsonObject j)) {
            throw new BadPayloadException(what + ": \"" + field + "\" is not an object");
        }
        return j;
    }

    private static String str(Object v, String field) throws BadPayloadException {
        if (!(v instanceof String s)) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a string");
        }
        if (s.length() > 1024) {
            throw new BadPayloadException(field + " is " + s.length() + " characters long");
        }
        return s;
    }

    private static List<String> strings(Object v, String field) throws BadPayloadException {
        if (!(v instanceof JsonArray a) || a.size() > 64) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a short list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object x : a) {
            if (!(x instanceof String s) || s.length() > 64) {
                throw new BadPayloadException(field + " holds " + describe(x) + ", not a short string");
            }
            out.add(s);
        }
        return out;
    }

    private static long num(Object v, String field) throws BadPayloadException {
        if (!(v instanceof Integer || v instanceof Long)) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a whole number");
        }
        return ((Number) v).longValue();
    }

    private static double dbl(Object v, String field) throws BadPayloadException {
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a number");
        }
        return n.doubleValue();
    }

    private static boolean bool(Object v, String field) throws BadPayloadException {
        if (!(v instanceof Boolean b)) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not true or false");
        }
        return b;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "missing";
        }
        if (v instanceof String s) {
            return "\"" + clip(s) + "\"";
        }
        if (v instanceof JsonObject || v instanceof Map || v == Streaming.OBJECT) {
            return "an object";
        }
        if (v instanceof JsonArray || v == Streaming.LIST) {
            return "a list";
        }
        return clip(String.valueOf(v));
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
