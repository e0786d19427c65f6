package io.federa.manager.poll;

import io.federa.manager.core.inventory.VmStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The poll answer as a real agent gives it (recorded from the demo's host-1), and broken variants of it. */
class JolokiaPollParserTest {

    private static JsonArray recorded() throws Exception {
        try (InputStream in = JolokiaPollParserTest.class.getResourceAsStream("host-1-bulk.json")) {
            return new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void a_renewing_poll_reads_the_same_and_renews_with_the_statement_the_member_and_the_latest_end() {
        JsonArray renewing = new JsonArray(JolokiaPollParser.renewing("{\"lease\":\"{}\",\"signature\":\"\"}", "host-1",
                1_800_000_004_500L));
        JsonArray poll = new JsonArray(JolokiaPollParser.POLL);
        assertThat(renewing.size()).isEqualTo(poll.size() + 1);
        for (int i = 0; i < poll.size(); i++) {
            assertThat(renewing.getJsonObject(i)).isEqualTo(poll.getJsonObject(i));
        }
        JsonObject exec = renewing.getJsonObject(poll.size());
        assertThat(exec.getString("operation")).isEqualTo("renewLeaseBefore");
        JsonArray args = exec.getJsonArray("arguments");
        assertThat(args.size()).isEqualTo(3);
        assertThat(args.getString(0)).isEqualTo("{\"lease\":\"{}\",\"signature\":\"\"}");
        assertThat(args.getString(1)).isEqualTo("host-1");
        assertThat(args.getLong(2)).isEqualTo(1_800_000_004_500L);
    }

    @Test
    void a_real_agent_answer_gives_the_host_and_its_vms() throws Exception {
        AgentReport p = JolokiaPollParser.parse(recorded());
        assertThat(p.host().hostId()).isEqualTo("host-1");
        assertThat(p.host().site()).isEqualTo("paris");
        assertThat(p.host().offsite()).isFalse();
        assertThat(p.host().securityLevel()).isEqualTo(3);
        assertThat(p.host().runtimes()).containsExactly("kvm", "jvm");
        assertThat(p.host().cpus()).isEqualTo(16);
        assertThat(p.host().memoryBytes()).isEqualTo(64L << 30);
        assertThat(p.host().currency()).isEqualTo("EUR");
        assertThat(p.vms()).extracting(VmStatus::name).containsExactly("batch-1", "catalog-db-1", "web-1");
        assertThat(p.vms()).allSatisfy(v -> assertThat(v.host()).isEqualTo("host-1"));
        VmStatus db = p.vms().get(1);
        assertThat(db.application()).isEqualTo("catalog-db");
        assertThat(db.service()).isEqualTo("shop");
        assertThat(db.state()).isEqualTo("RUNNING");
        assertThat(db.vcpus()).isEqualTo(4);
        assertThat(db.counters()).as("the totals cost metering reads")
                .isEqualTo(new VmStatus.Counters(1_795_834_897_366_443_000L, 89_791_744_868_361L, 16_325_771_794_247L));
        assertThat(p.vms().get(0).running()).isFalse();
    }

    @Test
    void an_agent_that_fenced_says_how_many_and_why_and_an_older_one_counts_none() throws Exception {
        // The recording predates the two attributes: an older agent, none counted.
        AgentReport old = JolokiaPollParser.parse(recorded());
        assertThat(old.host().fencedVms()).isZero();
        assertThat(old.host().lastFenceReason()).isEmpty();
        JsonArray a = recorded();
        a.getJsonObject(0).getJsonObject("value").put("FencedVms", 2).put("LastFenceReason", "lease_expired");
        AgentReport p = JolokiaPollParser.parse(a);
        assertThat(p.host().fencedVms()).isEqualTo(2);
        assertThat(p.host().lastFenceReason()).isEqualTo("lease_expired");
    }

    @Test
    void a_host_without_vms_is_a_host_with_no_vms_and_a_renewed_lease_is_seen() throws Exception {
        JsonArray a = recorded();
        // What Jolokia answers when the pattern matches no MBean.
        a.set(1, new JsonObject().put("status", 404).put("error_type", "javax.management.InstanceNotFoundException")
                .put("error", "javax.management.InstanceNotFoundException : No MBean with pattern federa:type=VirtualMachine,*"));
        a.add(new JsonObject().put("status", 200).put("value",
                "{\"remainingMillis\":5000,\"fleetVersion\":\"3f2a\",\"term\":4,\"peerUrl\":\"http://127.0.0.1:9781/lease/v1/latest\"}"));
        AgentReport p = JolokiaPollParser.parse(a);
        assertThat(p.vms()).isEmpty();
        assertThat(p.leaseRenewed()).isTrue();
        assertThat(p.lease()).isEqualTo(new AgentReport.LeaseAnswer(true, "3f2a", "http://127.0.0.1:9781/lease/v1/latest", ""));
        // A refused renewal says why; the poll itself still counts.
        a.set(2, new JsonObject().put("status", 400).put("error", "stale term 3 from federa-manager: this host has seen term 4"));
        assertThat(JolokiaPollParser.parse(a).lease())
                .isEqualTo(new AgentReport.LeaseAnswer(false, "", "", "stale term 3 from federa-manager: this host has seen term 4"));
        a.set(2, new JsonObject().put("status", 200).put("value", 5000));
        assertThat(JolokiaPollParser.parse(a).leaseRenewed()).as("an answer of the old form renews nothing").isFalse();
        a.remove(2);
        // Any other failure of the VM read is still a bad payload.
        a.set(1, new JsonObject().put("status", 500).put("error", "boom"));
        assertThatThrownBy(() -> JolokiaPollParser.parse(a)).hasMessageContaining("answered status 500");
    }

    private static JsonObject host(JsonArray a) {
        return a.getJsonObject(0).getJsonObject("value");
    }

    private static JsonObject firstVm(JsonArray a) {
        JsonObject vms = a.getJsonObject(1).getJsonObject("value");
        return vms.getJsonObject(vms.fieldNames().iterator().next());
    }

    static Stream<Arguments> broken() {
        return Stream.of(
                broken("one answer instead of two", a -> a.remove(1), "expected 2 or 3 answers to the bulk read, got 1"),
                broken("the host read refused", a -> a.getJsonObject(0).put("status", 403).put("error", "forbidden"),
                        "answered status 403: forbidden"),
                broken("answer not an object", a -> a.set(1, "nonsense"), "answer 1"),
                broken("host id missing", a -> host(a).remove("HostId"), "HostId is missing, not a string"),
                broken("cpus as text", a -> host(a).put("Cpus", "sixteen"), "Cpus is \"sixteen\", not a whole number"),
                broken("offsite as a number", a -> host(a).put("Offsite", 1), "Offsite is 1, not true or false"),
                broken("negative memory", a -> host(a).put("MemoryBytes", -5), "negative capacity"),
                broken("runtimes not a list", a -> host(a).put("Runtimes", "kvm"), "Runtimes is \"kvm\""),
                broken("a huge name", a -> firstVm(a).put("Name", "x".repeat(5000)), "Name is 5000 characters long"),
                broken("load above one", a -> firstVm(a).put("CpuLoadRatio", 1.5), "reports a load of 1.5"),
                broken("VM entry not an object", a -> a.getJsonObject(1).getJsonObject("value").put("federa:name=x,type=VirtualMachine", 42),
                        "is not an object"),
                broken("VM state missing", a -> firstVm(a).remove("State"), "State is missing"),
                broken("disk as a list", a -> firstVm(a).put("Disk", new JsonArray().add(1)), "\"Disk\" is not an object"),
                broken("a name that is an object", a -> firstVm(a).put("Name", new JsonObject().put("x", 1)),
                        "Name is an object, not a string"),
                broken("no VM map", a -> a.getJsonObject(1).put("value", "none"), "VirtualMachine: \"value\" is not an object"),
                broken("endpoints not a list", a -> firstVm(a).put("Endpoints", "80 to 41999"), "\"Endpoints\" is not a list of guestPort[/udp]=address:port"),
                broken("endpoint with a name for an address", a -> firstVm(a).put("Endpoints", "80=evil.example:80"), "got 80=evil.example:80"),
                broken("endpoint port out of range", a -> firstVm(a).put("Endpoints", "80=127.0.0.1:70000"), "\"Endpoints\" is not a list"),
                broken("one guest port twice", a -> firstVm(a).put("Endpoints", "80=127.0.0.1:4000,80=127.0.0.1:4001"), "\"Endpoints\" is not a list"),
                broken("a protocol other than udp", a -> firstVm(a).put("Endpoints", "80/sctp=127.0.0.1:4000"), "got 80/sctp=127.0.0.1:4000"),
                broken("endpoints without end", a -> firstVm(a).put("Endpoints", "80=127.0.0.1:4000,".repeat(17)), "lists more than 16 ports"),
                broken("a host nested too deep", a -> host(a).put("Extra", deep(40)), "nested more than"));
    }

    private static Object deep(int levels) {
        Object v = 1;
        for (int i = 0; i < levels; i++) {
            v = new JsonArray().add(v);
        }
        return v;
    }

    private static Arguments broken(String why, Consumer<JsonArray> damage, String message) {
        return Arguments.of(why, damage, message);
    }

    @Test
    void where_a_host_forwards_a_guests_ports_is_read_and_an_older_agent_forwards_none() throws Exception {
        JsonArray a = recorded();
        firstVm(a).put("Endpoints", "80=127.0.0.1:41999,8080=[::1]:42000,161/udp=127.0.0.1:42001");
        String name = firstVm(a).getString("Name");
        AgentReport r = JolokiaPollParser.parse(a);
        assertThat(r.vms()).filteredOn(v -> v.name().equals(name)).singleElement().satisfies(v ->
                assertThat(v.endpoints()).containsOnly(java.util.Map.entry("80", "127.0.0.1:41999"),
                        java.util.Map.entry("8080", "[::1]:42000"), java.util.Map.entry("161/udp", "127.0.0.1:42001")));
        // The recording predates the attribute, and an empty one forwards nothing.
        assertThat(JolokiaPollParser.parse(recorded()).vms()).allSatisfy(v -> assertThat(v.endpoints()).isEmpty());
        JsonArray none = recorded();
        firstVm(none).put("Endpoints", "");
        assertThat(JolokiaPollParser.parse(none).vms()).allSatisfy(v -> assertThat(v.endpoints()).isEmpty());
    }

    @Test
    void attributes_the_manager_does_not_read_are_skipped_and_broken_json_is_refused() throws Exception {
        JsonArray a = recorded();
        firstVm(a).put("Extra", new JsonObject().put("deep", new JsonArray().add(new JsonObject().put("x", "y"))));
        firstVm(a).getJsonObject("Disk").put("images", new JsonArray().add("a").add("b"));
        assertThat(JolokiaPollParser.parse(a).vms()).hasSize(3);
        byte[] whole = recorded().toBuffer().getBytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        assertThatThrownBy(() -> JolokiaPollParser.parse(cut)).isInstanceOf(BadPayloadException.class)
                .hasMessageStartingWith("not the JSON of a Jolokia bulk answer");
        assertThatThrownBy(() -> JolokiaPollParser.parse("{\"status\":200}".getBytes(StandardCharsets.UTF_8)))
                .hasMessage("not the JSON of a Jolokia bulk answer: not a list");
    }

    /** The same JSON with the fields of every object in a random order. */
    private static Object shuffled(Object v, java.util.Random random) {
        if (v instanceof JsonObject o) {
            java.util.List<String> names = new java.util.ArrayList<>(o.fieldNames());
            java.util.Collections.shuffle(names, random);
            JsonObject out = new JsonObject();
            names.forEach(n -> out.put(n, shuffled(o.getValue(n), random)));
            return out;
        }
        if (v instanceof JsonArray a) {
            JsonArray out = new JsonArray();
            a.forEach(x -> out.add(shuffled(x, random)));
            return out;
        }
        return v;
    }

    @Test
    void an_answer_reads_the_same_whatever_the_order_of_its_fields_and_however_often_it_changes() throws Exception {
        JsonArray a = recorded();
        a.add(new JsonObject().put("status", 200).put("value",
                new JsonObject().put("term", 4).put("peerUrl", "http://127.0.0.1:9781/lease/v1/latest").put("fleetVersion", "3f2a")
                        .put("remainingMillis", 5000).encode()));
        firstVm(a).put("Epoch", 7).put("Endpoints", "80=127.0.0.1:41999");
        AgentReport reference = JolokiaPollParser.parse(a);
        assertThat(reference.vms()).extracting(VmStatus::epoch).contains(7L);
        assertThat(reference.leaseRenewed()).isTrue();
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 200; i++) {
            // Runs of one order, then another, as the answers of agents of different versions would come.
            JsonArray variant = i % 3 == 0 ? a : (JsonArray) shuffled(a, new java.util.Random(random.nextInt(4)));
            assertThat(JolokiaPollParser.parse(variant)).as("order %d", i).isEqualTo(reference);
        }
    }

    @Test
    void an_answer_read_against_the_agents_previous_one_keeps_its_unchanged_strings_and_reads_the_same() throws Exception {
        JsonArray a = recorded();
        AgentReport first = JolokiaPollParser.parse(a);
        AgentReport again = JolokiaPollParser.parse(a.toBuffer().getBytes(), first);
        assertThat(again).isEqualTo(first);
        for (int i = 0; i < first.vms().size(); i++) {
            VmStatus was = first.vms().get(i);
            VmStatus now = again.vms().get(i);
            assertThat(now.name()).isSameAs(was.name());
            assertThat(now.uuid()).isSameAs(was.uuid());
            assertThat(now.state()).isSameAs(was.state());
            assertThat(now.application()).isSameAs(was.application());
            assertThat(now.service()).isSameAs(was.service());
            assertThat(now.host()).isSameAs(first.host().hostId());
        }
        assertThat(again.host().runtimes()).isSameAs(first.host().runtimes());

        // A VM changed, one gone, one new, the rest in another order: each read as it is now.
        JsonArray changed = (JsonArray) shuffled(recorded(), new java.util.Random(3));
        JsonObject vms = changed.getJsonObject(1).getJsonObject("value");
        String gone = vms.fieldNames().iterator().next();
        JsonObject template = vms.getJsonObject(gone).copy();
        vms.remove(gone);
        JsonObject moved = vms.getJsonObject(vms.fieldNames().iterator().next());
        moved.put("State", "PAUSED");
        vms.put("federa:name=zz-new,type=VirtualMachine", template.put("Name", "zz-new"));
        AgentReport plain = JolokiaPollParser.parse(changed);
        AgentReport read = JolokiaPollParser.parse(changed.toBuffer().getBytes(), first);
        assertThat(read).isEqualTo(plain);
        VmStatus pausedNow = read.vms().stream().filter(v -> v.name().equals(moved.getString("Name"))).findFirst().orElseThrow();
        VmStatus pausedBefore = first.vms().stream().filter(v -> v.name().equals(moved.getString("Name"))).findFirst().orElseThrow();
        assertThat(pausedNow.state()).isEqualTo("PAUSED");
        assertThat(pausedNow.name()).as("found by its name in the previous answer").isSameAs(pausedBefore.name());
        assertThat(pausedNow.uuid()).isSameAs(pausedBefore.uuid());
    }

    @Test
    void names_beyond_ascii_are_read_and_bytes_that_are_not_utf8_do_not_break_the_read() throws Exception {
        JsonArray a = recorded();
        firstVm(a).put("Name", "wéb-ünï-€-𝄞");
        String name = "wéb-ünï-€-𝄞";
        assertThat(JolokiaPollParser.parse(a).vms()).extracting(VmStatus::name).contains(name);
        byte[] bytes = a.toBuffer().getBytes();
        byte[] marker = "wéb".getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, marker);
        bytes[at + 1] = (byte) 0xff;
        assertThat(JolokiaPollParser.parse(bytes).vms()).extracting(VmStatus::name)
                .as("a malformed byte becomes U+FFFD, as a reader makes it").contains("w\ufffd\ufffdb-ünï-€-𝄞");
        // An answer larger than a thread keeps a buffer for, then a small one again.
        JsonArray big = recorded();
        firstVm(big).put("Extra", "x".repeat(Text.KEPT_CHARS * 2));
        assertThat(JolokiaPollParser.parse(big).vms()).hasSize(3);
        assertThat(JolokiaPollParser.parse(recorded()).host().hostId()).isEqualTo("host-1");
    }

    private static int indexOf(byte[] in, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= in.length; i++) {
            for (int j = 0; j < what.length; j++) {
                if (in[i + j] != what[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("broken")
    void a_broken_answer_is_refused_with_a_reason_that_names_the_field(String why, Consumer<JsonArray> damage,
                                                                        String message) throws Exception {
        JsonArray a = recorded();
        damage.accept(a);
        assertThatThrownBy(() -> JolokiaPollParser.parse(a)).isInstanceOf(BadPayloadException.class).hasMessageContaining(message);
    }
}
