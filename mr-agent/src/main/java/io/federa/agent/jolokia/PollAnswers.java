package io.federa.agent.jolokia;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.jmx.MBeanPublisher;
import io.federa.agent.jmx.SnapshotAttributes;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's poll answered without Jolokia's serializer: the two reads of its bulk request
 * ({@code read federa:type=Host}, every attribute, and {@code read federa:type=VirtualMachine,*}
 * with {@link #VM_ATTRIBUTES}) written straight to JSON bytes from the latest snapshot, the VM
 * item once per sample — at the first poll that reads it, or as the sample arrives while polls
 * come (see {@link #accept}) — and kept until the next sample.
 *
 * <p>Why: with 1,000 VMs Jolokia spent 40–55 ms (p50) on this read, 38% of it in its JSON writer,
 * 30% in its object serializer and 13% in one policy check per attribute per MBean, all of it
 * again for every poll of the same sample. Here the values are the ones JMX hands Jolokia
 * ({@link SnapshotAttributes}: the same beans and MXBean mapping), and the answer is the item
 * Jolokia writes — {@code request} (echoed with the canonical name), {@code value},
 * {@code status} 200 — equal once parsed (AgentUptimeSeconds aside, which follows the clock).
 *
 * <p>When Jolokia answers instead ({@link #answer} gives null): the policy does not let every one
 * of these attributes of every one of these MBeans be read over POST (checked once per name, the
 * policy being fixed for the endpoint's life), there are no VMs (Jolokia answers 404), a value is
 * of a type or a double value JSON cannot carry as Jolokia does, or the item nears Jolokia's limit
 * on values per item. Any other request, or these with one field more or less, is Jolokia's.
 *
 * <p>Memory: one VM item, of the latest sample; dropped as soon as the next sample arrives.
 */
final class PollAnswers implements Consumer<HostSnapshot> {
    /** System property: {@code false} sends the manager's poll through Jolokia like any request (for comparisons). */
    static final String SWITCH = "federa.agent.jolokia.fastPoll";

    /** The VM attributes the manager reads each poll, in its order (the manager's {@code JolokiaPollParser.POLL}). */
    static final List<String> VM_ATTRIBUTES = List.of("Name", "Uuid", "State", "Application", "Service", "Vcpus",
            "MemoryBytes", "Disk", "Network", "CpuLoadRatio", "UptimeSeconds", "Epoch", "CpuTimeNanoseconds", "Endpoints");

    static final ObjectName HOST = MBeanPublisher.hostName();
    static final ObjectName VMS = objectName(MBeanPublisher.DOMAIN + ":type=VirtualMachine,*");

    /** The reads answered here. */
    enum Item { HOST, VMS }

    /** The VM item for one snapshot; {@code item} null when Jolokia answers it for that snapshot. */
    private record Rendered(HostSnapshot of, byte[] item) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(PollAnswers.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final String[] VM_ATTRIBUTE_ARRAY = VM_ATTRIBUTES.toArray(String[]::new);

    private final Supplier<HostSnapshot> latest;
    private final Restrictor policy;
    private final int maxValues;
    private final SnapshotAttributes attributes;
    private final boolean postAllowed;
    private final boolean hostAllowed;
    /** VM name → its MBean's canonical name, for the names whose MBean the policy lets be read whole. Under the lock. */
    private Map<String, String> readableVms = new HashMap<>();
    private final Object renderLock = new Object();
    private volatile Rendered vms;
    /** Items answered here, and VM items rendered: what tests and comparisons look at. */
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong rendered = new AtomicLong();
    private final AtomicBoolean readSinceSample = new AtomicBoolean();

    /**
     * @param maxValues Jolokia's limit on values serialized per item ({@code maxObjects}): an item
     *                  with more than half as many is left to Jolokia, whose answer at the limit it is
     */
    PollAnswers(Supplier<HostSnapshot> latest, Supplier<Long> clock, Restrictor policy, int maxValues) {
        this.latest = latest;
        this.policy = policy;
        this.maxValues = maxValues;
        this.attributes = new SnapshotAttributes(latest, clock);
        this.postAllowed = policy.isHttpMethodAllowed(HttpMethod.POST);
        this.hostAllowed = attributes.hostAttributeNames().stream().allMatch(a -> policy.isAttributeReadAllowed(HOST, a));
    }

    /**
     * Which read of the manager's poll this request is, or null. The request must be exactly
     * {@code {"type":"read","mbean":<name>}} for the host or
     * {@code {"type":"read","mbean":<pattern>,"attribute":[VM_ATTRIBUTES in order]}} for the VMs:
     * names compared as ObjectNames, no other field (a {@code config}, {@code path} or
     * {@code target} changes what Jolokia answers).
     */
    static Item match(JsonNode n) {
        if (!n.isObject() || !"read".equals(n.path("type").textValue()) || !n.path("mbean").isTextual()) {
            return null;
        }
        JsonNode attribute = n.get("attribute");
        if (n.size() != (attribute == null ? 2 : 3)) {
            return null;
        }
        ObjectName name;
        try {
            name = new ObjectName(n.get("mbean").textValue());
        } catch (MalformedObjectNameException e) {
            return null;
        }
        if (attribute == null) {
            return name.equals(HOST) ? Item.HOST : null;
        }
        if (!name.equals(VMS) || !attribute.isArray() || attribute.size() != VM_ATTRIBUTES.size()) {
            return null;
        }
        for (int i = 0; i < VM_ATTRIBUTES.size(); i++) {
            if (!VM_ATTRIBUTES.get(i).equals(attribute.get(i).textValue())) {
                return null;
            }
        }
        return Item.VMS;
    }

    /** The item's answer as Jolokia would write it, or null: Jolokia answers it. */
    byte[] answer(Item item) {
        if (!postAllowed) {
            return null;
        }
        byte[] answer;
        try {
            answer = item == Item.HOST ? host() : vms(latest.get());
        } catch (RuntimeException e) {
            // Not expected (the values are the MBeans' own); Jolokia answers, with its own error if any.
            LOG.warn("the manager's poll could not be answered from the snapshot; Jolokia answers it", e);
            answer = null;
        }
        if (item == Item.VMS) {
            readSinceSample.set(true);
        }
        if (answer != null) {
            served.incrementAndGet();
        }
        return answer;
    }

    long served() {
        return served.get();
    }

    long rendered() {
        return rendered.get();
    }

    /**
     * A new sample, on the sampler's thread: drops the previous sample's VM item, and renders the
     * new one at once if the previous one was read. The manager polls about once per sample, so
     * nearly every poll is the first of its sample; rendering here takes that cost (4–6 ms of CPU
     * for 1,000 VMs) off the poll. An agent that nobody polls renders nothing, one sample after
     * the last poll.
     */
    @Override
    public void accept(HostSnapshot next) {
        Rendered r = vms;
        if (r != null && r.of() == next) {
            return; // a poll came between the sample's publication and this call, and rendered it
        }
        vms = null;
        if (readSinceSample.getAndSet(false)) {
            vms(next);
        }
    }

    /** Rendered at each poll: small (34 values), and AgentUptimeSeconds follows the clock, not the sample. */
    private byte[] host() {
        if (!hostAllowed) {
            return null;
        }
        Writer w = new Writer(2_048);
        w.open(HOST, null);
        boolean ok = w.attributes(attributes.host());
        return ok ? w.close() : null;
    }

    private byte[] vms(HostSnapshot s) {
        Rendered r = vms;
        if (r != null && r.of() == s) {
            return r.item();
        }
        synchronized (renderLock) {
            r = vms;
            if (r == null || r.of() != s) {
                byte[] item;
                try {
                    item = render(s);
                } catch (RuntimeException e) {
                    LOG.warn("the VMs of sample " + s.sequence() + " could not be written for the "
                            + "manager's poll; Jolokia answers it", e);
                    item = null;
                }
                r = new Rendered(s, item);
                vms = r;
            }
            return r.item();
        }
    }

    /** Under the render lock. */
    private byte[] render(HostSnapshot s) {
        rendered.incrementAndGet();
        if (s.vms().isEmpty() || (long) s.vms().size() * 32 > maxValues / 2) {
            return null;
        }
        Map<String, String> readable = new HashMap<>(s.vms().size() * 2);
        for (VmSnapshot v : s.vms()) {
            String key = readableVms.get(v.name());
            if (key == null) {
                ObjectName name = MBeanPublisher.vmName(v.name());
                for (String a : VM_ATTRIBUTES) {
                    if (!policy.isAttributeReadAllowed(name, a)) {
                        return null;
                    }
                }
                key = name.getCanonicalName();
            }
            readable.put(v.name(), key);
        }
        readableVms = readable; // names of VMs gone are forgotten: bounded by the VMs of the host
        Writer w = new Writer(512 * s.vms().size() + 512);
        w.open(VMS, VM_ATTRIBUTES);
        w.startObject();
        for (VmSnapshot v : s.vms()) {
            w.field(readable.get(v.name()));
            if (!w.attributes(attributes.vm(v, VM_ATTRIBUTE_ARRAY))) {
                return null;
            }
        }
        w.endObject();
        return w.close();
    }

    private static ObjectName objectName(String n) {
        try {
            return new ObjectName(n);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(n, e);
        }
    }

    /**
     * One item, {@code {"request":{…},"value":{…},"status":200}}, with JMX's open types written as
     * Jolokia writes them: CompositeData as an object of its items, arrays as lists, numbers and
     * strings as themselves. Anything else makes the item Jolokia's.
     */
    private static final class Writer {
        private final ByteArrayOutputStream out;
        private final JsonGenerator g;

        Writer(int size) {
            out = new ByteArrayOutputStream(size);
            try {
                g = JSON.createGenerator(out, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The request as Jolokia echoes it (the canonical name, the attribute list, the type); the value follows. */
        void open(ObjectName mbean, List<String> attributeList) {
            try {
                g.writeStartObject();
                g.writeObjectFieldStart("request");
                g.writeStringField("mbean", mbean.getCanonicalName());
                if (attributeList != null) {
                    g.writeArrayFieldStart("attribute");
                    for (String a : attributeList) {
                        g.writeString(a);
                    }
                    g.writeEndArray();
                }
                g.writeStringField("type", "read");
                g.writeEndObject();
                g.writeFieldName("value");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void startObject() {
            try {
                g.writeStartObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void field(String name) {
            try {
                g.writeFieldName(name);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void endObject() {
            try {
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** One MBean's attributes as an object; false if one cannot be written as Jolokia writes it. */
        boolean attributes(AttributeList list) {
            try {
                g.writeStartObject();
                for (Attribute a : list.asList()) {
                    g.writeFieldName(a.getName());
                    if (!value(a.getValue())) {
                        return false;
                    }
                }
                g.writeEndObject();
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private boolean value(Object v) throws IOException {
            if (v == null) {
                g.writeNull();
            } else if (v instanceof String s) {
                g.writeString(s);
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Integer i) {
                g.writeNumber(i);
            } else if (v instanceof Long l) {
                g.writeNumber(l);
            } else if (v instanceof Double d) {
                // Jolokia writes a double with a decimal point or an exponent, as Double.toString does;
                // NaN and the infinities have no JSON form, and Jolokia's answer for them is its own.
                if (!Double.isFinite(d)) {
                    return false;
                }
                g.writeNumber(d);
            } else if (v instanceof CompositeData c) {
                g.writeStartObject();
                for (String k : c.getCompositeType().keySet()) {
                    g.writeFieldName(k);
                    if (!value(c.get(k))) {
                        return false;
                    }
                }
                g.writeEndObject();
            } else if (v instanceof String[] a) {
                g.writeStartArray();
                for (String s : a) {
                    if (s == null) {
                        g.writeNull();
                    } else {
                        g.writeString(s);
                    }
                }
                g.writeEndArray();
            } else {
                return false;
            }
            return true;
        }

        /** Closes the item with status 200 and hands its bytes. */
        byte[] close() {
            try {
                g.writeNumberField("status", 200);
                g.writeEndObject();
                g.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
