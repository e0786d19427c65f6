package io.federa.agent.jolokia;

import com.fasterxml.jackson.databind.JsonNode;
import io.federa.agent.AgentFixture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the manager did through an agent is still there after the agent restarts. */
class AgentRestartTest {

    @Test
    void vms_their_labels_identity_and_state_survive_an_agent_restart() throws Exception {
        AgentFixture f = AgentFixture.start();
        try {
            String uuid = f.command("defineVm", "{\"name\":\"kept-1\",\"application\":\"données\",\"service\":\"boutique\","
                    + "\"vcpus\":2,\"memoryMiB\":1024,\"diskGiB\":3}").path("value").asText();
            f.command("startVm", "kept-1");
            f.command("destroyVm", "web-1");
            f.command("undefineVm", "batch-1");

            f = f.restart();

            JsonNode vms = f.vms();
            assertThat(vms.path("kept-1").path("Uuid").asText()).isEqualTo(uuid);
            assertThat(vms.path("kept-1").path("Application").asText()).isEqualTo("données");
            assertThat(vms.path("kept-1").path("Service").asText()).isEqualTo("boutique");
            assertThat(vms.path("kept-1").path("State").asText()).isEqualTo("RUNNING");
            assertThat(vms.path("kept-1").path("Vcpus").asInt()).isEqualTo(2);
            assertThat(vms.path("web-1").path("State").asText()).isEqualTo("SHUT_OFF");
            assertThat(vms.has("batch-1")).isFalse();
            assertThat(vms.path("db-1").path("State").asText()).isEqualTo("RUNNING");
        } finally {
            f.close();
        }
    }
}
