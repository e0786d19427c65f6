package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator's policy that lets the host be read but not the VMs: the manager's poll gets from
 * the agent exactly what Jolokia answers, a refusal of the VM read included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagerPollPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HOST_ONLY = """
            <restrict>
              <http><method>post</method></http>
              <commands><command>version</command></commands>
              <allow>
                <mbean><name>federa:type=Host</name><attribute mode="read">*</attribute></mbean>
              </allow>
            </restrict>
            """;
    private Path policy;
    private AgentFixture f;

    @BeforeAll
    void start() throws Exception {
        policy = Files.createTempFile("federa-policy", ".xml");
        Files.writeString(policy, HOST_ONLY);
        f = AgentFixture.start("", "", "policyFile: " + policy);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
        Files.deleteIfExists(policy);
    }

    @Test
    void the_vm_read_the_policy_refuses_is_refused_as_jolokia_refuses_it() throws Exception {
        PollAnswers answers = f.agent.jolokia().poll();
        long served = answers.served();
        HttpResponse<String> fast = ManagerPollTest.send(f, ManagerPollTest.POLL, AgentFixture.USER, AgentFixture.PASSWORD, true);
        long servedFast = answers.served() - served;
        HttpResponse<String> jolokia = ManagerPollTest.send(f, ManagerPollTest.POLL, AgentFixture.USER, AgentFixture.PASSWORD, false);

        assertThat(fast.statusCode()).isEqualTo(jolokia.statusCode()).isEqualTo(200);
        JsonNode a = JSON.readTree(fast.body());
        JsonNode b = JSON.readTree(jolokia.body());
        assertThat(a.get(1).path("status").asInt()).as(a.get(1).toString()).isEqualTo(403);
        assertThat(a.get(1)).isEqualTo(b.get(1));
        assertThat(a.get(0).path("status").asInt()).isEqualTo(200).isEqualTo(b.get(0).path("status").asInt());
        assertThat(servedFast).as("only the host read, which the policy allows, is answered here").isEqualTo(1);
    }
}
