package io.federa.e2e;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.RefusalCode;
import io.federa.manager.core.spec.Resources;
import io.federa.manager.lifecycle.AgentCommander;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Refusals cross the wire as codes: a real agent refuses commands sent by the manager's own
 * client, and the manager reads the code, with the agent's sentence kept for people. The two
 * programs' lists of codes are the same.
 */
class RefusalCodesEndToEndTest {
    @Test
    void the_agent_and_the_manager_know_the_same_codes_in_the_same_order() {
        assertThat(Arrays.stream(RefusalCode.values()).map(Enum::name).toList())
                .isEqualTo(Arrays.stream(io.federa.agent.command.RefusalCode.values()).map(Enum::name).toList());
    }

    @Test
    void a_message_without_a_known_code_is_a_plain_refusal_whatever_its_words() {
        assertThat(RefusalCode.of("cannot undefine web-1: it is running; shut it down or destroy it first"))
                .isEqualTo(RefusalCode.REFUSED);
        assertThat(RefusalCode.of("SOMETHING_NEW: a code this manager does not know")).isEqualTo(RefusalCode.REFUSED);
        assertThat(RefusalCode.of("VM_RUNNING: the VM with UUID 0f… is running on host-2; stop it first"))
                .isEqualTo(RefusalCode.VM_RUNNING);
    }

    @Test
    void a_real_agent_refuses_with_codes_that_the_managers_client_reads(@TempDir Path dir) throws Exception {
        int port = AgentProcess.freePort();
        Vertx vertx = Vertx.vertx();
        try (AgentProcess agent = AgentProcess.start(AgentProcess.emptyHost("host-9", false, dir, port))) {
            agent.awaitJolokiaUrl(Duration.ofSeconds(60));
            AgentCommander commander = new AgentCommander(vertx, 5_000);
            ManagerConfig.Agent a = new ManagerConfig.Agent("host-9", "127.0.0.1", port, ManagerConfig.Transport.JOLOKIA,
                    "federa", "demo-password-2");
            Resources r = new Resources(1, 256, 1, 10);
            JsonObject defined = await(commander.send(a, new Action.Define("web-1", "host-9", 3, "web", "shop", r), "op-1"));
            assertThat(defined.getString("outcome")).isEqualTo("done");

            AgentCommander.Refused stale = refused(commander.send(a, new Action.Define("web-1", "host-9", 2, "web", "shop", r), "op-2"));
            assertThat(stale.code()).isEqualTo(RefusalCode.STALE_EPOCH);
            assertThat(stale.getMessage()).isEqualTo("STALE_EPOCH: stale epoch 2 for web-1: this host holds epoch 3");

            // No manager has given this host a lease: a managed VM may not start.
            AgentCommander.Refused noLease = refused(commander.send(a, new Action.Start("web-1", "host-9", 3), "op-3"));
            assertThat(noLease.code()).isEqualTo(RefusalCode.NO_LEASE);
            assertThat(noLease.getMessage()).contains("no valid lease");
            commander.close();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static JsonObject await(io.vertx.core.Future<JsonObject> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static AgentCommander.Refused refused(io.vertx.core.Future<JsonObject> f) {
        Throwable[] cause = new Throwable[1];
        assertThatThrownBy(() -> await(f)).isInstanceOf(ExecutionException.class)
                .satisfies(e -> cause[0] = e.getCause());
        assertThat(cause[0]).isInstanceOf(AgentCommander.Refused.class);
        return (AgentCommander.Refused) cause[0];
    }
}
