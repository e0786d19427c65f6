package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.core.CostRates;
import io.federa.agent.core.HostIdentity;
import io.federa.agent.core.HostObservation;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.SnapshotBuilder;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmState;
import org.jolokia.server.core.restrictor.AllowAllRestrictor;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.service.api.Restrictor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The manager's poll reads answered from the snapshot: which requests, when, and the bytes kept. */
class PollAnswersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VM_LIST = "[\"Name\",\"Uuid\",\"State\",\"Application\",\"Service\",\"Vcpus\",\"MemoryBytes\","
            + "\"Disk\",\"Network\",\"CpuLoadRatio\",\"UptimeSeconds\",\"Epoch\",\"CpuTimeNanoseconds\",\"Endpoints\"]";
    private static final HostIdentity IDENTITY = new HostIdentity("host-1", "paris", false, 3, List.of("kvm"),
            new CostRates("EUR", 0.00001, 0.0001, 0.02, 0.0000001), 0, 10_000_000_000L, "test", 0);

    private static HostSnapshot sample(HostSnapshot previous, int second, int vms) {
        List<VmObservation> obs = new ArrayList<>();
        for (int i = 1; i <= vms; i++) {
            long k = second;
            obs.add(new VmObservation("uuid-" + i, "vm-" + i, i, VmState.RUNNING, "hvm", true, false, 1, 1L << 29,
                    1L << 29, 400_000_000L * k, "app", "shop", 0, 1L << 30, 5_000 * k, 3_000 * k, 50 * k, 30 * k,
                    10_000 * k, 7_000 * k, 100 * k, 70 * k, List.of(), List.of(), List.of()));
        }
        return SnapshotBuilder.build(IDENTITY, "test:///x", new HostObservation("TEST", "0.0.2", "9.0.0", "node",
                "x86_64", 16, 2400, 64L << 30, -1, 0, obs, 1_000L * second, 1_000_000_000L * second, 1),
                previous, previous == null ? 0 : 1_000_000_000L * (second - 1), Map.of());
    }

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "the host, every attribute                 | {\"type\":\"read\",\"mbean\":\"federa:type=Host\"}                                   | HOST",
            "the VMs, the attributes of the poll      | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":" + VM_LIST + "} | VMS",
            "the VM pattern spelled another way        | {\"mbean\":\"federa:*,type=VirtualMachine\",\"attribute\":" + VM_LIST + ",\"type\":\"read\"} | VMS",
            "the host, some attributes                 | {\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"attribute\":[\"HostId\"]}         | ",
            "the VMs, every attribute                  | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\"}                         | ",
            "the VMs, one attribute fewer              | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"Uuid\",\"State\",\"Application\",\"Service\",\"Vcpus\",\"MemoryBytes\",\"Disk\",\"Network\",\"CpuLoadRatio\",\"UptimeSeconds\",\"Epoch\"]} | ",
            "the VMs, the attributes in another order  | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Uuid\",\"Name\",\"State\",\"Application\",\"Service\",\"Vcpus\",\"MemoryBytes\",\"Disk\",\"Network\",\"CpuLoadRatio\",\"UptimeSeconds\",\"Epoch\",\"CpuTimeNanoseconds\",\"Endpoints\"]} | ",
            "with per-request options                  | {\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"config\":{\"serializeLong\":\"string\"}} | ",
            "with a path                               | {\"type\":\"read\",\"mbean\":\"federa:type=Host\",\"path\":\"x\"}                      | ",
            "one VM                                    | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,name=vm-1\",\"attribute\":" + VM_LIST + "} | ",
            "another domain, same pattern                | {\"type\":\"read\",\"mbean\":\"java.lang:type=VirtualMachine,*\",\"attribute\":" + VM_LIST + "} | ",
            "an exec                                   | {\"type\":\"exec\",\"mbean\":\"federa:type=Host\"}                                    | ",
            "a name that is not an ObjectName          | {\"type\":\"read\",\"mbean\":\"federa\"}                                              | ",
            "the attributes as one string              | {\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":\"Name\"} | ",
    })
    void only_the_managers_two_reads_are_taken(String name, String request, PollAnswers.Item expected) throws Exception {
        assertThat(PollAnswers.match(json(request))).isEqualTo(expected);
    }

    @Test
    void one_sample_gives_one_rendering_and_the_next_sample_new_bytes() {
        AtomicReference<HostSnapshot> latest = new AtomicReference<>(sample(null, 1, 3));
        PollAnswers poll = new PollAnswers(latest::get, () -> 0L, new AllowAllRestrictor(), 500_000);

        byte[] first = poll.answer(PollAnswers.Item.VMS);
        byte[] again = poll.answer(PollAnswers.Item.VMS);
        assertThat(again).isSameAs(first);
        assertThat(poll.rendered()).isEqualTo(1);

        latest.set(sample(latest.get(), 2, 3));
        poll.accept(latest.get());
        byte[] next = poll.answer(PollAnswers.Item.VMS);
        assertThat(poll.rendered()).isEqualTo(2);
        assertThat(new String(next, StandardCharsets.UTF_8)).isNotEqualTo(new String(first, StandardCharsets.UTF_8))
                .contains("\"readBytesPerSecond\":5000.0");
    }

    @Test
    void while_polls_come_each_new_sample_is_rendered_as_it_arrives_and_not_once_they_stop() {
        AtomicReference<HostSnapshot> latest = new AtomicReference<>(sample(null, 1, 3));
        PollAnswers poll = new PollAnswers(latest::get, () -> 0L, new AllowAllRestrictor(), 500_000);
        latest.set(sample(latest.get(), 2, 3));
        poll.accept(latest.get());
        assertThat(poll.rendered()).as("nobody polled: nothing rendered").isZero();

        poll.answer(PollAnswers.Item.VMS);
        latest.set(sample(latest.get(), 3, 3));
        poll.accept(latest.get());
        assertThat(poll.rendered()).as("rendered on the sampler's thread").isEqualTo(2);
        poll.answer(PollAnswers.Item.VMS);
        assertThat(poll.rendered()).as("the poll finds it ready").isEqualTo(2);

        latest.set(sample(latest.get(), 4, 3));
        poll.accept(latest.get());
        latest.set(sample(latest.get(), 5, 3));
        poll.accept(latest.get());
        assertThat(poll.rendered()).as("one sample after the last poll, no more").isEqualTo(3);
    }

    @Test
    void a_host_without_vms_is_left_to_jolokia_which_answers_404() {
        PollAnswers poll = new PollAnswers(() -> sample(null, 1, 0), () -> 0L, new AllowAllRestrictor(), 500_000);

        assertThat(poll.answer(PollAnswers.Item.VMS)).isNull();
        assertThat(poll.answer(PollAnswers.Item.HOST)).isNotNull();
    }

    @Test
    void an_item_near_jolokias_limit_on_values_is_left_to_jolokia() {
        PollAnswers poll = new PollAnswers(() -> sample(null, 1, 20), () -> 0L, new AllowAllRestrictor(), 1_000);

        assertThat(poll.answer(PollAnswers.Item.VMS)).isNull();
    }

    private static Restrictor policy(String allow) {
        // read not among the commands: allowed only where <allow> says, as in the agent's own policy
        String xml = "<restrict><http><method>post</method></http><commands><command>version</command></commands>"
                + "<allow>" + allow + "</allow></restrict>";
        return new PolicyRestrictor(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "the VMs may not be read                  | <mbean><name>federa:type=Host</name><attribute mode=\"read\">*</attribute></mbean> | true  | false",
            "the host may not be read                 | <mbean><name>federa:type=VirtualMachine,*</name><attribute mode=\"read\">*</attribute></mbean> | false | true",
            "one VM attribute may not be read         | <mbean><name>federa:*</name><attribute mode=\"read\">*</attribute></mbean><mbean><name>federa:type=VirtualMachine,*</name><attribute mode=\"read\">Name</attribute></mbean> | true | false",
            "one VM may not be read                   | <mbean><name>federa:type=Host</name><attribute mode=\"read\">*</attribute></mbean><mbean><name>federa:type=VirtualMachine,name=vm-1</name><attribute mode=\"read\">*</attribute></mbean> | true | false",
            "everything in federa may be read         | <mbean><name>federa:*</name><attribute mode=\"read\">*</attribute></mbean> | true | true",
    })
    void what_the_policy_refuses_is_left_to_jolokia(String name, String allow, boolean host, boolean vms) {
        PollAnswers poll = new PollAnswers(() -> sample(null, 1, 3), () -> 0L, policy(allow), 500_000);

        assertThat(poll.answer(PollAnswers.Item.HOST) != null).as("host answered here").isEqualTo(host);
        assertThat(poll.answer(PollAnswers.Item.VMS) != null).as("VMs answered here").isEqualTo(vms);
    }

    @Test
    void a_policy_that_refuses_post_leaves_everything_to_jolokia() {
        String xml = "<restrict><http><method>get</method></http><commands><command>version</command></commands>"
                + "<allow><mbean><name>federa:*</name>"
                + "<attribute mode=\"read\">*</attribute></mbean></allow></restrict>";
        Restrictor getOnly = new PolicyRestrictor(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        PollAnswers poll = new PollAnswers(() -> sample(null, 1, 3), () -> 0L, getOnly, 500_000);

        assertThat(poll.answer(PollAnswers.Item.HOST)).isNull();
        assertThat(poll.answer(PollAnswers.Item.VMS)).isNull();
    }
}
