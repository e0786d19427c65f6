package io.federa.manager.poll;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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
    /** The request the manager sends each cycle: the host, and the VM attributes it keeps. */
    public static final String POLL = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[" + String.join(",",
            java.util.stream.Stream.of("Name", "Uuid", "State", "Application", "Service", "Vcpus", "MemoryBytes", "Disk",
                    "Network", "CpuLoadRatio", "UptimeSeconds", "Epoch").map(a -> "\"" + a + "\"").toList()) + "]}]";

    /**
     * The same poll that also renews the manager's lease on the agent with a signed statement
     * ({@link LeaseSigner}); {@code member} is the agent's name in the statement's fleet. The agent
     * powers off the VMs the manager placed once the lease runs out, unless its peers show that no
     * manager renews anyone (docs/lifecycle.md).
     */
    public static String renewing(String envelope, String member) {
        return POLL.substring(0, POLL.length() - 1) + ",{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\","
                + "\"operation\":\"renewLease\",\"arguments\":[" + io.vertx.core.json.Json.encode(envelope) + ","
                + io.vertx.core.json.Json.encode(member) + "]}]";
    }
    static final int MAX_VMS = 100_000;

    private JolokiaPollParser() {
    }

    public static AgentReport parse(JsonArray answer) throws BadPayloadException {
        if (answer == null || answer.size() < 2 || answer.size() > 3) {
            throw new BadPayloadException("expected 2 or 3 answers to the bulk read, got " + (answer == null ? "none" : answer.size()));
        }
        JsonObject hostItem = item(answer, 0, "federa:type=Host");
        HostStatus host = host(object(hostItem, "value", "Host"));
        // A host without VMs has no VM MBean for the pattern to match: Jolokia answers 404.
        JsonObject vms = noVms(answer.getValue(1)) ? new JsonObject()
                : object(item(answer, 1, "federa:type=VirtualMachine,*"), "value", "VirtualMachine");
        if (vms.size() > MAX_VMS) {
            throw new BadPayloadException("the agent lists " + vms.size() + " VMs; more than " + MAX_VMS + " is not believed");
        }
        List<VmStatus> out = new ArrayList<>(vms.size());
        for (Map.Entry<String, Object> e : vms) {
            if (!(e.getValue() instanceof JsonObject vm)) {
                throw new BadPayloadException("VM entry " + clip(e.getKey()) + " is not an object");
            }
            out.add(vm(vm, host.hostId(), e.getKey()));
        }
        out.sort(Comparator.comparing(VmStatus::name));
        return new AgentReport(host, out, answer.size() == 3 ? lease(answer.getValue(2)) : AgentReport.LeaseAnswer.NONE);
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

    private static boolean noVms(Object o) {
        return o instanceof JsonObject item && item.getValue("status") instanceof Number n && n.intValue() == 404
                && item.getValue("error_type") instanceof String t && t.equals("javax.management.InstanceNotFoundException");
    }

    private static JsonObject item(JsonArray answer, int i, String what) throws BadPayloadException {
        Object o = answer.getValue(i);
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
            return new HostStatus(str(h, "HostId"), str(h, "Site"), bool(h, "Offsite"), (int) num(h, "SecurityLevel"),
                    strings(h, "Runtimes"), (int) num(h, "Cpus"), (int) num(h, "VcpusAllocated"), num(h, "MemoryBytes"),
                    num(h, "MemoryAllocatedBytes"), num(h, "StorageBytes"), num(h, "StorageAllocatedBytes"),
                    num(h, "NetworkBandwidthBitsPerSecond"), dbl(h, "NetworkUsedBitsPerSecond"), str(h, "CostCurrency"),
                    dbl(h, "CostPerCpuSecond"), dbl(h, "CostPerStorageGiBHour"), dbl(h, "CostPerNetworkGB"),
                    dbl(h, "CostPerNetworkPacket"), str(h, "AgentVersion"), num(h, "SampleTimestampMillis"));
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("Host: " + e.getMessage());
        }
    }

    private static VmStatus vm(JsonObject v, String host, String key) throws BadPayloadException {
        try {
            return new VmStatus(str(v, "Name"), str(v, "Uuid"), host, str(v, "State"), str(v, "Application"),
                    str(v, "Service"), (int) num(v, "Vcpus"), num(v, "MemoryBytes"),
                    num(object(v, "Disk", "Disk"), "capacityBytes"),
                    dbl(object(v, "Network", "Network"), "receiveBytesPerSecond") * 8,
                    dbl(object(v, "Network", "Network"), "transmitBytesPerSecond") * 8, dbl(v, "CpuLoadRatio"),
                    num(v, "UptimeSeconds"), v.getValue("Epoch") == null ? 0 : num(v, "Epoch"));
        } catch (BadPayloadException e) {
            throw new BadPayloadException("VM " + clip(key) + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new BadPayloadException("VM " + clip(key) + ": " + e.getMessage());
        }
    }

    private static JsonObject object(JsonObject o, String field, String what) throws BadPayloadException {
        Object v = o.getValue(field);
        if (!(v instanceof JsonObject j)) {
            throw new BadPayloadException(what + ": \"" + field + "\" is not an object");
        }
        return j;
    }

    private static String str(JsonObject o, String field) throws BadPayloadException {
        Object v = o.getValue(field);
        if (!(v instanceof String s)) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a string");
        }
        if (s.length() > 1024) {
            throw new BadPayloadException(field + " is " + s.length() + " characters long");
        }
        return s;
    }

    private static List<String> strings(JsonObject o, String field) throws BadPayloadException {
        Object v = o.getValue(field);
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

    private static long num(JsonObject o, String field) throws BadPayloadException {
        Object v = o.getValue(field);
        if (!(v instanceof Integer || v instanceof Long)) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a whole number");
        }
        return ((Number) v).longValue();
    }

    private static double dbl(JsonObject o, String field) throws BadPayloadException {
        Object v = o.getValue(field);
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw new BadPayloadException(field + " is " + describe(v) + ", not a number");
        }
        return n.doubleValue();
    }

    private static boolean bool(JsonObject o, String field) throws BadPayloadException {
        Object v = o.getValue(field);
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
        if (v instanceof JsonObject) {
            return "an object";
        }
        if (v instanceof JsonArray) {
            return "a list";
        }
        return clip(String.valueOf(v));
    }

    private static String clip(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }
}
