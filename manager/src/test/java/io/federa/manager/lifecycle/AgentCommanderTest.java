package io.federa.manager.lifecycle;

import io.federa.manager.config.ManagerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Commands go through the same client as polls: its deadline and its cap on the answer hold for them too. */
class AgentCommanderTest {
    private Vertx vertx;
    private HttpServer agent;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        agent = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            String asked = b.toString();
            if (asked.contains("\"huge\"")) {
                // An answer far past any command's: cut off at the cap, never held.
                req.response().setChunked(true);
                for (int i = 0; i < 4; i++) {
                    req.response().write(Buffer.buffer(new byte[1 << 20]));
                }
                req.response().end();
            } else if (asked.contains("\"silent\"")) {
                req.response().setChunked(true).write("{");
            } else {
                req.response().end("{\"status\":200,\"value\":\"{\\\"outcome\\\":\\\"done\\\"}\"}");
            }
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private ManagerConfig.Agent host1() {
        return new ManagerConfig.Agent("host-1", "127.0.0.1", agent.actualPort(), ManagerConfig.Transport.JOLOKIA, "federa",
                "secret-password");
    }

    private static String failure(Future<?> f) throws Exception {
        try {
            f.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a failure, got " + f.result());
    }

    @Test
    void a_define_names_the_disk_format_in_the_spec_only_when_it_is_not_raw() {
        io.federa.manager.core.lifecycle.Action.Define raw = new io.federa.manager.core.lifecycle.Action.Define("web-1", "host-1", 3,
                "web", "shop", new io.federa.manager.core.spec.Resources(1, 512, 10, 0));
        assertThat(AgentCommander.command(raw, "op-1", 0).getJsonObject("spec").containsKey("diskFormat")).isFalse();
        io.federa.manager.core.lifecycle.Action.Define qcow2 = new io.federa.manager.core.lifecycle.Action.Define("web-2", "host-1", 3,
                "web", "shop", new io.federa.manager.core.spec.Resources(1, 512, 10, 0, "qcow2"));
        assertThat(AgentCommander.command(qcow2, "op-2", 0).getJsonObject("spec").getString("diskFormat")).isEqualTo("qcow2");
    }

    @Test
    void a_define_names_the_guest_ports_to_forward_only_when_there_are_some() {
        io.federa.manager.core.lifecycle.Action.Define probed = new io.federa.manager.core.lifecycle.Action.Define("web-1", "host-1", 3,
                "web", "shop", new io.federa.manager.core.spec.Resources(1, 512, 10, 0), java.util.Optional.empty(), java.util.List.of("80", "8080", "161/udp"));
        JsonObject spec = AgentCommander.command(probed, "op-1", 0).getJsonObject("spec");
        assertThat(spec.getJsonArray("ports").encode()).isEqualTo("[80,8080]");
        assertThat(spec.getJsonArray("udpPorts").encode()).isEqualTo("[161]");
        io.federa.manager.core.lifecycle.Action.Define tcpOnly = new io.federa.manager.core.lifecycle.Action.Define("web-1", "host-1",
                3, "web", "shop", new io.federa.manager.core.spec.Resources(1, 512, 10, 0), java.util.Optional.empty(),
                java.util.List.of("80"));
        assertThat(AgentCommander.command(tcpOnly, "op-1", 0).getJsonObject("spec").containsKey("udpPorts")).isFalse();
        io.federa.manager.core.lifecycle.Action.Define plain = new io.federa.manager.core.lifecycle.Action.Define("web-2", "host-1", 3,
                "web", "shop", new io.federa.manager.core.spec.Resources(1, 512, 10, 0));
        assertThat(AgentCommander.command(plain, "op-2", 0).getJsonObject("spec").containsKey("ports")).isFalse();
        assertThat(AgentCommander.command(plain, "op-2", 0).getJsonObject("spec").containsKey("udpPorts")).isFalse();
    }

    @Test
    void an_answer_larger_than_a_command_can_have_is_cut_off_and_names_the_agent() throws Exception {
        AgentCommander commander = new AgentCommander(vertx, 10_000);
        assertThat(failure(commander.call(host1(), "execute", "huge")))
                .isEqualTo("host-1: bad payload: the answer exceeds " + AgentCommander.MAX_ANSWER_BYTES + " bytes");
        assertThat(commander.call(host1(), "execute", "fine").await(10, TimeUnit.SECONDS).getString("outcome"))
                .isEqualTo("done");
    }

    @Test
    void an_agent_that_never_finishes_its_answer_is_given_up_at_the_command_timeout() throws Exception {
        AgentCommander commander = new AgentCommander(vertx, 1_000);
        assertThat(failure(commander.call(host1(), "execute", "silent"))).isEqualTo("host-1: timeout after 1000 ms");
    }
}
