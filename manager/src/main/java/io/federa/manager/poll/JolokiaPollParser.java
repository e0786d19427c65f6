package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.json.JsonArray;

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
    private static final int MAX_STRING_CHARS = 1 << 20;
    /**
     * Thread-safe; parsers made from it refuse strings longer than an answer may be. Field names
     * are neither canonicalized nor interned: every VM's key is a name of its own
     * ("federa:name=web-1,type=VirtualMachine"), and a symbol table shared by the parsers grew with
     * the fleet, was copied into each new parser and rehashed — two thirds of the manager's
     * allocation and a quarter of its CPU at 3,000 agents (JFR). The names that recur are matched
     * in place instead ({@link FieldOrder}). The answer is decoded by {@link Text}, not by the
     * parser: without canonicalization Jackson reads bytes through an {@code InputStreamReader},
     * whose 8 KiB buffer was a fifth of what a read allocated.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            // Reads a decimal from the parser's characters; Java's own parse needs a string of each.
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Streaming.MAX_DEPTH + 8)
                    .maxStringLength(MAX_STRING_CHARS).build())
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
     * Reads an answer straight from its bytes, in one pass: the values go into typed slots without
     * a tree of maps being built first (decoding into Vert.x JSON objects was half of the poll
     * loop's CPU), field names are matched in place against the order the agents send them
     * ({@link FieldOrder}), and attributes the manager does not read are skipped.
     */
    public static AgentReport parse(byte[] answer) throws BadPayloadException {
        return parse(answer, null);
    }

    /**
     * The same, for the agent whose last answer was read into {@code previous} (null: none): a
     * string that did not change since is that answer's string, so that an unchanged answer makes
     * no new strings and what the manager keeps of a VM is the same strings poll after poll.
     */
    public static AgentReport parse(byte[] answer, AgentReport previous) throws BadPayloadException {
        return parse(Text.decode(answer), previous);
    }

    /** The same from the answer's buffer as it came (no copy of it is made). */
    public static AgentReport parse(io.vertx.core.buffer.Buffer answer, AgentReport previous) throws BadPayloadException {
        return parse(Text.decode(answer), previous);
    }

    private static AgentReport parse(Text text, AgentReport previous) throws BadPayloadException {
        HostStatus host = null;
        List<VmStatus> vms = null;
        Item lease = null;
        try (JsonParser p = JSON.createParser(text.chars(), 0, text.length())) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new BadPayloadException("not the JSON of a Jolokia bulk answer: not a list");
            }
            int items = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t == null) {
                    throw new BadPayloadException("not the JSON of a Jolokia bulk answer: it ends early");
                }
                int i = items++;
                if (i == 0) {
                    host = host(p, previous == null ? null : previous.host());
                } else if (i == 1) {
                    vms = vms(p, host.hostId(), previous == null ? List.of() : previous.vms());
                } else if (i == 2) {
                    lease = leaseItem(p);
                } else {
                    p.skipChildren();
                }
            }
            if (items < 2 || items > 3) {
                throw new BadPayloadException("expected 2 or 3 answers to the bulk read, got " + items);
            }
        } catch (StreamConstraintsException e) {
            throw new BadPayloadException("not the JSON of a Jolokia bulk answer: the answer is nested more than "
                    + (Streaming.MAX_DEPTH + 8) + " levels deep or holds a string longer than " + MAX_STRING_CHARS
                    + " characters (" + clip(e.getOriginalMessage()) + ")");
        } catch (JsonProcessingException e) {
            throw new BadPayloadException("not the JSON of a Jolokia bulk answer: " + clip(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new BadPayloadException("not the JSON of a Jolokia bulk answer: " + clip(String.valueOf(e.getMessage())));
        }
        // Read once the answer's parser is closed, so that the statement's parser reuses its buffers.
        return new AgentReport(host, vms, lease == null ? AgentReport.LeaseAnswer.NONE : lease(lease));
    }

    /** What one item of the bulk answer said besides its value. */
    private static final class Item {
        Object status;
        String error;
        String errorType;
        boolean valueIsObject;
        Object value;
    }

    private static final int ITEM_VALUE = 0;
    private static final int ITEM_STATUS = 1;
    private static final int ITEM_ERROR = 2;
    private static final int ITEM_ERROR_TYPE = 3;
    private static final List<String> ITEM_FIELDS = List.of("value", "status", "error", "error_type");
    private static final FieldOrder HOST_ITEM = FieldOrder.of(ITEM_FIELDS);
    private static final FieldOrder VMS_ITEM = FieldOrder.of(ITEM_FIELDS);
    private static final FieldOrder LEASE_ITEM = FieldOrder.of(ITEM_FIELDS);

    /** How an item's value is read when it is an object. */
    @FunctionalInterface
    private interface ObjectReader {
        void read(JsonParser p) throws IOException, BadPayloadException;
    }

    /**
     * Reads the item at the current token: its status and error, and its value with {@code reader}
     * when it is an object (a string value is kept; anything else is skipped).
     */
    private static Item item(JsonParser p, FieldOrder order, int i, String what, ObjectReader reader)
            throws IOException, BadPayloadException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            throw new BadPayloadException("answer " + i + " (" + what + ") is not an object");
        }
        Item item = new Item();
        order.read(p, (slot, q) -> {
            switch (slot) {
                case ITEM_VALUE -> {
                    item.valueIsObject = q.currentToken() == JsonToken.START_OBJECT;
                    if (item.valueIsObject) {
                        reader.read(q);
                    } else {
                        item.value = Streaming.scalar(q);
                    }
                }
                case ITEM_STATUS -> item.status = Streaming.scalar(q);
                case ITEM_ERROR -> item.error = Streaming.scalar(q) instanceof String e ? e : null;
                case ITEM_ERROR_TYPE -> item.errorType = Streaming.scalar(q) instanceof String e ? e : null;
                default -> q.skipChildren();
            }
        });
        return item;
    }

    private static boolean ok(Item item) {
        return item.status instanceof Number n && n.intValue() == 200 && !(item.status instanceof Double);
    }

    private static BadPayloadException refused(String what, Item item) {
        return new BadPayloadException("reading " + what + " answered status " + Slots.describe(item.status)
                + (item.error != null ? ": " + clip(item.error) : ""));
    }

    /** The first answer: the host. */
    private static HostStatus host(JsonParser p, HostStatus previous) throws IOException, BadPayloadException {
        Slots h = new Slots(HOST_FIELDS.size());
        Item item = item(p, HOST_ITEM, 0, "federa:type=Host", q -> HOST.read(q, (slot, r) -> {
            if (slot == RUNTIMES) {
                h.set(slot, Streaming.value(r, 3));
            } else {
                h.read(slot, r, previous == null ? null : previousString(previous, slot));
            }
        }));
        if (!ok(item)) {
            throw refused("federa:type=Host", item);
        }
        if (!item.valueIsObject) {
            throw new BadPayloadException("Host: \"value\" is not an object");
        }
        return host(h, previous == null ? null : previous.runtimes());
    }

    private static List<String> sameOr(List<String> now, List<String> before) {
        return now.equals(before) ? before : now;
    }

    /** The host's string attributes as the previous answer gave them (null for the others). */
    private static String previousString(HostStatus h, int slot) {
        if (slot == H_HOST_ID) {
            return h.hostId();
        }
        if (slot == H_SITE) {
            return h.site();
        }
        if (slot == H_COST_CURRENCY) {
            return h.currency();
        }
        if (slot == H_AGENT_VERSION) {
            return h.agentVersion();
        }
        return slot == H_LAST_FENCE_REASON ? h.lastFenceReason() : null;
    }

    /** The second answer: the VMs, or none when the pattern matched no MBean (Jolokia's 404). */
    private static List<VmStatus> vms(JsonParser p, String hostId, List<VmStatus> previous) throws IOException, BadPayloadException {
        String what = "federa:type=VirtualMachine,*";
        List<List<VmStatus>> out = new ArrayList<>(1);
        Item item = item(p, VMS_ITEM, 1, what, q -> out.add(vmMap(q, hostId, previous)));
        if (item.status instanceof Number n && n.intValue() == 404 && "javax.management.InstanceNotFoundException".equals(item.errorType)) {
            // A host without VMs has no VM MBean for the pattern to match: Jolokia answers 404.
            return List.of();
        }
        if (!ok(item)) {
            throw refused(what, item);
        }
        if (!item.valueIsObject) {
            throw new BadPayloadException("VirtualMachine: \"value\" is not an object");
        }
        List<VmStatus> vms = out.get(out.size() - 1);
        vms.sort(Comparator.comparing(VmStatus::name));
        return vms;
    }

    private static List<VmStatus> vmMap(JsonParser p, String hostId, List<VmStatus> previous) throws IOException, BadPayloadException {
        List<VmStatus> out = new ArrayList<>(Math.max(previous.size(), 4));
        VmReader reader = new VmReader(previous);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (out.size() >= MAX_VMS) {
                throw new BadPayloadException("the agent lists more than " + MAX_VMS + " VMs, which is not believed");
            }
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadPayloadException("VM entry " + clip(key) + " is not an object");
            }
            reader.start(out.size());
            VM.read(p, reader);
            reader.settle();
            out.add(vm(reader.slots, hostId, key));
        }
        return out;
    }

    /**
     * Reads one VM's attributes after another into its slots. Each VM is matched with the same VM
     * in the agent's previous answer (by its place there, else by its name), whose strings are
     * kept where they did not change.
     */
    private static final class VmReader implements FieldOrder.Visitor {
        final Slots slots = new Slots(VM_SLOTS);
        private final List<VmStatus> previous;
        private final FieldOrder.Visitor nested = slots::read;
        /** The VM of the previous answer this one is, when known; else the one at its place there. */
        private VmStatus before;

        VmReader(List<VmStatus> previous) {
            this.previous = previous;
        }

        void start(int position) {
            slots.clear();
            before = position < previous.size() ? previous.get(position) : null;
        }

        @Override
        public void field(int slot, JsonParser q) throws IOException, BadPayloadException {
            if ((slot == DISK || slot == NETWORK) && q.currentToken() == JsonToken.START_OBJECT) {
                slots.set(slot, Slots.READ_OBJECT);
                (slot == DISK ? DISK_ORDER : NETWORK_ORDER).read(q, nested);
            } else if (slot == V_NAME && q.currentToken() == JsonToken.VALUE_STRING) {
                if (before == null || !Slots.same(before.name(), q)) {
                    before = named(q);
                }
                slots.read(slot, q, before == null ? null : before.name());
            } else if (before != null && q.currentToken() == JsonToken.VALUE_STRING) {
                slots.read(slot, q, previousString(before, slot));
            } else {
                slots.read(slot, q);
            }
        }

        /**
         * Where the VM's strings came before its name (an agent that sends its attributes in
         * another order than the manager's), the previous answer's equal strings are kept instead.
         */
        void settle() {
            if (before == null || slots.raw(V_NAME) != before.name()) {
                return;
            }
            for (int slot : REUSED) {
                String was = previousString(before, slot);
                if (slots.raw(slot) instanceof String now && now != was && now.equals(was)) {
                    slots.set(slot, was);
                }
            }
        }

        /** The VM of the previous answer with the name at the parser's current token (the answer's VMs are sorted by name). */
        private VmStatus named(JsonParser q) throws IOException {
            int low = 0;
            int high = previous.size() - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                int c = Slots.compare(previous.get(mid).name(), q);
                if (c < 0) {
                    low = mid + 1;
                } else if (c > 0) {
                    high = mid - 1;
                } else {
                    return previous.get(mid);
                }
            }
            return null;
        }
    }

    /** The VM's string attributes as the previous answer gave them (null for the others). */
    private static String previousString(VmStatus v, int slot) {
        if (slot == V_UUID) {
            return v.uuid();
        }
        if (slot == V_STATE) {
            return v.state();
        }
        if (slot == V_APPLICATION) {
            return v.application();
        }
        return slot == V_SERVICE ? v.service() : null;
    }

    /** The third answer, the renewal's, as it came: read by {@link #lease(Item)}. */
    private static Item leaseItem(JsonParser p) throws IOException, BadPayloadException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return new Item();
        }
        return item(p, LEASE_ITEM, 2, "the renewal", JsonParser::skipChildren);
    }

    /** The renewal's answer: {@code {"remainingMillis","fleetVersion","term","peerUrl"}} as a JSON string, or a refusal. */
    private static AgentReport.LeaseAnswer lease(Item item) {
        if (!(item.status instanceof Number st) || item.status instanceof Double) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not a Jolokia answer");
        }
        if (st.intValue() != 200) {
            return new AgentReport.LeaseAnswer(false, "", "", clip(String.valueOf(item.error)));
        }
        if (!(item.value instanceof String text)) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal answered no statement of the lease");
        }
        String[] read = new String[2];
        try (JsonParser q = JSON.createParser(text)) {
            if (q.nextToken() != JsonToken.START_OBJECT) {
                return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not JSON");
            }
            LEASE.read(q, (slot, r) -> read[slot] = Streaming.scalar(r) instanceof String v ? v : null);
            if (q.nextToken() != null) {
                return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not JSON");
            }
        } catch (IOException | BadPayloadException e) {
            return new AgentReport.LeaseAnswer(false, "", "", "the renewal's answer is not JSON");
        }
        String version = read[0] != null ? read[0] : "";
        String url = read[1] != null && read[1].length() <= 2_000 ? read[1] : "";
        return new AgentReport.LeaseAnswer(true, clip(version), url, "");
    }

    /** The lease statement's fields the manager reads: the fleet's version and the peer's URL. */
    private static final FieldOrder LEASE = new FieldOrder(Map.of("fleetVersion", 0, "peerUrl", 1));

    /** The host attributes read, by their slot. */
    private static final List<String> HOST_FIELDS = List.of("HostId", "Site", "Offsite", "SecurityLevel", "Runtimes", "Cpus",
            "VcpusAllocated", "MemoryBytes", "MemoryAllocatedBytes", "StorageBytes", "StorageAllocatedBytes",
            "NetworkBandwidthBitsPerSecond", "NetworkUsedBitsPerSecond", "CostCurrency", "CostPerCpuSecond",
            "CostPerStorageGiBHour", "CostPerNetworkGB", "CostPerNetworkPacket", "AgentVersion", "SampleTimestampMillis",
            "FencedVms", "LastFenceReason");
    private static final FieldOrder HOST = FieldOrder.of(HOST_FIELDS);
    private static final int RUNTIMES = HOST_FIELDS.indexOf("Runtimes");
    private static final int H_HOST_ID = HOST_FIELDS.indexOf("HostId");
    private static final int H_SITE = HOST_FIELDS.indexOf("Site");
    private static final int H_OFFSITE = HOST_FIELDS.indexOf("Offsite");
    private static final int H_SECURITY_LEVEL = HOST_FIELDS.indexOf("SecurityLevel");
    private static final int H_CPUS = HOST_FIELDS.indexOf("Cpus");
    private static final int H_VCPUS_ALLOCATED = HOST_FIELDS.indexOf("VcpusAllocated");
    private static final int H_MEMORY_BYTES = HOST_FIELDS.indexOf("MemoryBytes");
    private static final int H_MEMORY_ALLOCATED_BYTES = HOST_FIELDS.indexOf("MemoryAllocatedBytes");
    private static final int H_STORAGE_BYTES = HOST_FIELDS.indexOf("StorageBytes");
    private static final int H_STORAGE_ALLOCATED_BYTES = HOST_FIELDS.indexOf("StorageAllocatedBytes");
    private static final int H_NETWORK_BANDWIDTH_BITS_PER_SECOND = HOST_FIELDS.indexOf("NetworkBandwidthBitsPerSecond");
    private static final int H_NETWORK_USED_BITS_PER_SECOND = HOST_FIELDS.indexOf("NetworkUsedBitsPerSecond");
    private static final int H_COST_CURRENCY = HOST_FIELDS.indexOf("CostCurrency");
    private static final int H_COST_PER_CPU_SECOND = HOST_FIELDS.indexOf("CostPerCpuSecond");
    private static final int H_COST_PER_STORAGE_GI_B_HOUR = HOST_FIELDS.indexOf("CostPerStorageGiBHour");
    private static final int H_COST_PER_NETWORK_G_B = HOST_FIELDS.indexOf("CostPerNetworkGB");
    private static final int H_COST_PER_NETWORK_PACKET = HOST_FIELDS.indexOf("CostPerNetworkPacket");
    private static final int H_AGENT_VERSION = HOST_FIELDS.indexOf("AgentVersion");
    private static final int H_SAMPLE_TIMESTAMP_MILLIS = HOST_FIELDS.indexOf("SampleTimestampMillis");
    private static final int H_FENCED_VMS = HOST_FIELDS.indexOf("FencedVms");
    private static final int H_LAST_FENCE_REASON = HOST_FIELDS.indexOf("LastFenceReason");

    private static HostStatus host(Slots h, List<String> previousRuntimes) throws BadPayloadException {
        try {
            return new HostStatus(h.string(H_HOST_ID, "HostId"), h.string(H_SITE, "Site"), h.bool(H_OFFSITE, "Offsite"),
                    (int) h.whole(H_SECURITY_LEVEL, "SecurityLevel"), sameOr(strings(h.raw(RUNTIMES), "Runtimes"), previousRuntimes),
                    (int) h.whole(H_CPUS, "Cpus"), (int) h.whole(H_VCPUS_ALLOCATED, "VcpusAllocated"),
                    h.whole(H_MEMORY_BYTES, "MemoryBytes"), h.whole(H_MEMORY_ALLOCATED_BYTES, "MemoryAllocatedBytes"),
                    h.whole(H_STORAGE_BYTES, "StorageBytes"), h.whole(H_STORAGE_ALLOCATED_BYTES, "StorageAllocatedBytes"),
                    h.whole(H_NETWORK_BANDWIDTH_BITS_PER_SECOND, "NetworkBandwidthBitsPerSecond"),
                    h.decimal(H_NETWORK_USED_BITS_PER_SECOND, "NetworkUsedBitsPerSecond"), h.string(H_COST_CURRENCY, "CostCurrency"),
                    h.decimal(H_COST_PER_CPU_SECOND, "CostPerCpuSecond"), h.decimal(H_COST_PER_STORAGE_GI_B_HOUR, "CostPerStorageGiBHour"),
                    h.decimal(H_COST_PER_NETWORK_G_B, "CostPerNetworkGB"), h.decimal(H_COST_PER_NETWORK_PACKET, "CostPerNetworkPacket"),
                    h.string(H_AGENT_VERSION, "AgentVersion"), h.whole(H_SAMPLE_TIMESTAMP_MILLIS, "SampleTimestampMillis"),
                    // An agent older than these two tells nothing of fencing: none counted.
                    h.present(H_FENCED_VMS) ? h.whole(H_FENCED_VMS, "FencedVms") : 0,
                    h.present(H_LAST_FENCE_REASON) ? h.string(H_LAST_FENCE_REASON, "LastFenceReason") : "");
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("Host: " + e.getMessage());
        }
    }

    /** The VM attributes read, by their slot, then the fields read of the disk and of the network. */
    private static final FieldOrder VM = FieldOrder.of(ATTRIBUTES);
    private static final int DISK = ATTRIBUTES.indexOf("Disk");
    private static final int NETWORK = ATTRIBUTES.indexOf("Network");
    private static final int DISK_CAPACITY = ATTRIBUTES.size();
    private static final List<String> NETWORK_FIELDS = List.of("receiveBytesPerSecond", "transmitBytesPerSecond",
            "transmittedBytes", "transmittedPackets");
    private static final int NETWORK_FIRST = DISK_CAPACITY + 1;
    private static final int VM_SLOTS = NETWORK_FIRST + NETWORK_FIELDS.size();
    private static final FieldOrder DISK_ORDER = new FieldOrder(Map.of("capacityBytes", DISK_CAPACITY));
    private static final FieldOrder NETWORK_ORDER;

    static {
        Map<String, Integer> network = new java.util.HashMap<>();
        for (String f : NETWORK_FIELDS) {
            network.put(f, NETWORK_FIRST + network.size());
        }
        NETWORK_ORDER = new FieldOrder(network);
    }

    private static final int V_NAME = ATTRIBUTES.indexOf("Name");
    private static final int V_UUID = ATTRIBUTES.indexOf("Uuid");
    private static final int V_STATE = ATTRIBUTES.indexOf("State");
    private static final int V_APPLICATION = ATTRIBUTES.indexOf("Application");
    private static final int V_SERVICE = ATTRIBUTES.indexOf("Service");
    private static final int V_VCPUS = ATTRIBUTES.indexOf("Vcpus");
    private static final int V_MEMORY_BYTES = ATTRIBUTES.indexOf("MemoryBytes");
    private static final int V_CPU_LOAD_RATIO = ATTRIBUTES.indexOf("CpuLoadRatio");
    private static final int V_UPTIME_SECONDS = ATTRIBUTES.indexOf("UptimeSeconds");
    private static final int V_EPOCH = ATTRIBUTES.indexOf("Epoch");
    private static final int V_CPU_TIME_NANOSECONDS = ATTRIBUTES.indexOf("CpuTimeNanoseconds");
    private static final int V_ENDPOINTS = ATTRIBUTES.indexOf("Endpoints");
    private static final int N_RECEIVE_BYTES_PER_SECOND = NETWORK_FIRST + NETWORK_FIELDS.indexOf("receiveBytesPerSecond");
    private static final int N_TRANSMIT_BYTES_PER_SECOND = NETWORK_FIRST + NETWORK_FIELDS.indexOf("transmitBytesPerSecond");
    private static final int N_TRANSMITTED_BYTES = NETWORK_FIRST + NETWORK_FIELDS.indexOf("transmittedBytes");
    private static final int N_TRANSMITTED_PACKETS = NETWORK_FIRST + NETWORK_FIELDS.indexOf("transmittedPackets");
    /** The VM's strings kept from the previous answer where they did not change (besides its name). */
    private static final int[] REUSED = {V_UUID, V_STATE, V_APPLICATION, V_SERVICE};

    private static VmStatus vm(Slots v, String host, String key) throws BadPayloadException {
        try {
            if (v.raw(DISK) != Slots.READ_OBJECT) {
                throw new BadPayloadException("Disk: \"Disk\" is not an object");
            }
            if (v.raw(NETWORK) != Slots.READ_OBJECT) {
                throw new BadPayloadException("Network: \"Network\" is not an object");
            }
            return new VmStatus(v.string(V_NAME, "Name"), v.string(V_UUID, "Uuid"), host, v.string(V_STATE, "State"),
                    v.string(V_APPLICATION, "Application"), v.string(V_SERVICE, "Service"), (int) v.whole(V_VCPUS, "Vcpus"),
                    v.whole(V_MEMORY_BYTES, "MemoryBytes"), v.whole(DISK_CAPACITY, "capacityBytes"),
                    v.decimal(N_RECEIVE_BYTES_PER_SECOND, "receiveBytesPerSecond") * 8,
                    v.decimal(N_TRANSMIT_BYTES_PER_SECOND, "transmitBytesPerSecond") * 8,
                    v.decimal(V_CPU_LOAD_RATIO, "CpuLoadRatio"), v.whole(V_UPTIME_SECONDS, "UptimeSeconds"),
                    v.present(V_EPOCH) ? v.whole(V_EPOCH, "Epoch") : 0,
                    counters(v), endpoints(v.raw(V_ENDPOINTS)));
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
    private static VmStatus.Counters counters(Slots v) throws BadPayloadException {
        return new VmStatus.Counters(v.present(V_CPU_TIME_NANOSECONDS) ? v.whole(V_CPU_TIME_NANOSECONDS, "CpuTimeNanoseconds") : -1,
                v.present(N_TRANSMITTED_BYTES) ? v.whole(N_TRANSMITTED_BYTES, "transmittedBytes") : -1,
                v.present(N_TRANSMITTED_PACKETS) ? v.whole(N_TRANSMITTED_PACKETS, "transmittedPackets") : -1);
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

    private static String str(Object v, String field) throws BadPayloadException {
        if (!(v instanceof String s)) {
            throw new BadPayloadException(field + " is " + Slots.describe(v) + ", not a string");
        }
        if (s.length() > 1024) {
            throw new BadPayloadException(field + " is " + s.length() + " characters long");
        }
        return s;
    }

    private static String clip(String s) {
        return Slots.clip(s);
    }

    private static List<String> strings(Object v, String field) throws BadPayloadException {
        if (!(v instanceof JsonArray a) || a.size() > 64) {
            throw new BadPayloadException(field + " is " + Slots.describe(v) + ", not a short list of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object x : a) {
            if (!(x instanceof String s) || s.length() > 64) {
                throw new BadPayloadException(field + " holds " + Slots.describe(x) + ", not a short string");
            }
            out.add(s);
        }
        return out;
    }

}
