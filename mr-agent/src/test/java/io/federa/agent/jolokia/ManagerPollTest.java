package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.AgentFixture;
import io.federa.agent.Leases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The manager's poll over HTTP to a real agent (libvirt's test driver): answered from the
 * snapshot, it is the answer Jolokia gives for the same request on the same sample.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagerPollTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The manager's request, as its JolokiaPollParser.POLL spells it. */
    static final String POLL = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\"},"
            + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"Uuid\",\"State\","
            + "\"Application\",\"Service\",\"Vcpus\",\"MemoryBytes\",\"Disk\",\"Network\",\"CpuLoadRatio\","
            + "\"UptimeSeconds\",\"Epoch\",\"CpuTimeNanoseconds\",\"Endpoints\"]}]";
    private AgentFixture f;

    @BeforeAll
    void start() throws Exception {
        f = AgentFixture.start();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private PollAnswers answers() {
        return f.agent.jolokia().poll();
    }

    /** POSTs with the fast path on or off: the property is read per request. */
    static HttpResponse<String> send(AgentFixture f, String body, String user, String password, boolean fast)
            throws Exception {
        String before = System.getProperty(PollAnswers.SWITCH);
        System.setProperty(PollAnswers.SWITCH, Boolean.toString(fast));
        try {
            return f.send(body, user, password);
        } finally {
            if (before == null) {
                System.clearProperty(PollAnswers.SWITCH);
            } else {
                System.setProperty(PollAnswers.SWITCH, before);
            }
        }
    }

    private JsonNode poll(String body, boolean fast) throws Exception {
        HttpResponse<String> r = send(f, body, AgentFixture.USER, AgentFixture.PASSWORD, fast);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static long sequence(JsonNode answer) {
        return answer.get(0).path("value").path("SampleSequence").asLong(-1);
    }

    private static long uptime(JsonNode answer) {
        return answer.get(0).path("value").path("AgentUptimeSeconds").asLong(-1);
    }

    /** The answer without the host's AgentUptimeSeconds, which follows the clock rather than the sample. */
    private static JsonNode sampled(JsonNode answer) {
        JsonNode copy = answer.deepCopy();
        ((ObjectNode) copy.get(0).path("value")).remove("AgentUptimeSeconds");
        return copy;
    }

    /**
     * Jolokia, the fast path, Jolokia again, until all three fall within one sample (Jolokia's
     * two answers equal): then the fast path's must equal them, field for field.
     */
    @Test
    void the_fast_answer_is_jolokias_answer_for_the_same_sample() throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            JsonNode before = poll(POLL, false);
            long served = answers().served();
            JsonNode fast = poll(POLL, true);
            long servedFast = answers().served() - served;
            JsonNode after = poll(POLL, false);
            if (sequence(before) != sequence(after) || sequence(fast) != sequence(before)
                    || !sampled(before).equals(sampled(after))) {
                continue; // a sample came in between
            }
            assertThat(servedFast).as("both items answered by the fast path").isEqualTo(2);
            assertThat(sampled(fast)).isEqualTo(sampled(before));
            assertThat(uptime(fast)).isBetween(uptime(before), uptime(after));
            for (int i = 0; i < 2; i++) {
                assertThat(fast.get(i).properties()).extracting(Map.Entry::getKey)
                        .containsExactlyInAnyOrderElementsOf(before.get(i).properties().stream().map(Map.Entry::getKey).toList());
            }
            assertThat(fast.get(1).path("value")).hasSize(3);
            return;
        }
        fail("no three polls fell within one sample in 50 attempts");
    }

    @Test
    void a_lease_renewal_after_the_two_reads_is_carried_out_by_jolokia() throws Exception {
        Map<String, String> fleet = new LinkedHashMap<>();
        fleet.put("host-1", "http://127.0.0.1:9/lease/v1/latest");
        fleet.put("host-2", "http://127.0.0.1:9/lease/v1/latest");
        String statement = Leases.statement().holder("manager-1").lease(60_000).members(fleet).unsigned();
        String renewing = POLL.substring(0, POLL.length() - 1) + ",{\"type\":\"exec\",\"mbean\":\"federa:type=Agent\","
                + "\"operation\":\"renewLease\",\"arguments\":[" + JSON.writeValueAsString(statement) + ",\"host-1\"]}]";
        long served = answers().served();

        JsonNode r = poll(renewing, true);

        assertThat(answers().served() - served).isEqualTo(2);
        assertThat(r).hasSize(3);
        assertThat(r.get(0).path("status").asInt()).isEqualTo(200);
        assertThat(r.get(1).path("status").asInt()).isEqualTo(200);
        assertThat(r.get(2).path("status").asInt()).as(r.get(2).toString()).isEqualTo(200);
        assertThat(r.get(2).path("request").path("operation").asText()).isEqualTo("renewLease");
        assertThat(JSON.readTree(r.get(2).path("value").asText()).path("remainingMillis").asLong()).isPositive();
        assertThat(f.post(AgentFixture.read("federa:type=Agent")).path("value").path("LeaseHolder").asText())
                .isEqualTo("manager-1");
    }

    @Test
    void reads_of_other_attributes_go_to_jolokia() throws Exception {
        String two = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"attribute\":[\"HostId\",\"VmCount\"]},"
                + "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"Uuid\"]}]";
        long served = answers().served();

        JsonNode r = poll(two, true);

        assertThat(answers().served()).isEqualTo(served);
        assertThat(r.get(0).path("value").properties()).hasSize(2);
        assertThat(r.get(1).path("value")).hasSize(3);
        r.get(1).path("value").forEach(vm -> assertThat(vm.properties()).hasSize(2));
        assertThat(r.get(1).path("request").path("attribute")).hasSize(2);
    }

    @Test
    void the_poll_with_one_item_changed_has_only_the_other_answered_here() throws Exception {
        String withOptions = "[{\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"config\":{\"serializeLong\":\"string\"}},"
                + POLL.substring(POLL.indexOf("{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine"));
        long served = answers().served();

        JsonNode r = poll(withOptions, true);

        assertThat(answers().served() - served).isEqualTo(1);
        assertThat(r.get(0).path("value").path("MemoryBytes").isTextual()).as("Jolokia applied the option").isTrue();
        assertThat(r.get(1).path("value").elements().next().path("MemoryBytes").isNumber()).isTrue();
    }

    @Test
    void a_client_without_good_credentials_gets_the_same_refusal_as_before() throws Exception {
        for (String[] who : new String[][]{{null, null}, {AgentFixture.USER, "wrong-password"}}) {
            long served = answers().served();
            HttpResponse<String> fast = send(f, POLL, who[0], who[1], true);
            HttpResponse<String> jolokia = send(f, POLL, who[0], who[1], false);

            assertThat(fast.statusCode()).isEqualTo(401).isEqualTo(jolokia.statusCode());
            assertThat(JSON.readTree(fast.body())).isEqualTo(JSON.readTree(jolokia.body()));
            assertThat(fast.headers().firstValue("WWW-Authenticate")).isEqualTo(jolokia.headers().firstValue("WWW-Authenticate"));
            assertThat(answers().served()).isEqualTo(served);
        }
    }

    @Test
    void a_new_sample_gives_a_new_answer_rendered_once() throws Exception {
        JsonNode first = poll(POLL, true);
        long rendered = answers().rendered();
        JsonNode same = poll(POLL, true);
        if (sequence(same) == sequence(first)) {
            assertThat(answers().rendered()).as("the same sample, rendered once").isEqualTo(rendered);
            assertThat(same.get(1)).isEqualTo(first.get(1));
        }
        JsonNode next = same;
        for (int i = 0; i < 600 && sequence(next) == sequence(same); i++) {
            Thread.sleep(50);
            next = poll(POLL, true);
        }
        assertThat(sequence(next)).as("a new sample came").isGreaterThan(sequence(same));
        assertThat(answers().rendered()).isGreaterThan(rendered);
        assertThat(next.get(1)).as("the running VMs' uptime and counters moved").isNotEqualTo(same.get(1));
        assertThat(next.get(1).path("value").path("federa:name=web-1,type=VirtualMachine").path("UptimeSeconds").asLong())
                .isGreaterThan(same.get(1).path("value").path("federa:name=web-1,type=VirtualMachine").path("UptimeSeconds").asLong());
    }
}
