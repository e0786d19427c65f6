package io.federa.manager.poll;

import io.federa.manager.config.ManagerConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.VariableBinding;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.federa.manager.poll.SnmpPollParser.VM_ENTRY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SNMP poller against an SNMPv3 agent made of SNMP4J's engine: tables longer than one GETBULK,
 * completion on the context that made the client, and hostile answers (wrong types, walks that go
 * back or never end, more objects than asked for) turned into reasons, never into a loop or an
 * exception.
 */
class SnmpPollerTest {
    private static final long DEADLINE_MS = 5_000;
    private static final int ROWS = 120;

    private Vertx vertx;
    private FakeSnmpAgent agent;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        agent = new FakeSnmpAgent();
        for (int i = 1; i <= ROWS; i++) {
            agent.objects.put(cell(2, i), new OctetString("vm-" + i));
            agent.objects.put(cell(3, i), new OctetString());
            agent.objects.put(cell(6, i), new Integer32(i % 2 == 0 ? 4 : 11));
            agent.objects.put(cell(9, i), new Integer32(1));
            agent.objects.put(cell(12, i), new Integer32(1024));
            agent.objects.put(cell(13, i), new Integer32(1024));
            agent.objects.put(cell(16, i), new TimeTicks(100L * i));
        }
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static OID cell(int column, int row) {
        return new OID(VM_ENTRY).append(column).append(row);
    }

    private record Outcome(AgentReport report, String failure, boolean onItsContext) {
    }

    /** Two polls, the way PollingVerticle makes them: the client made and polled on one context. */
    private Outcome poll(int maxVarbinds) throws Exception {
        return poll(maxVarbinds, DEADLINE_MS);
    }

    private Outcome poll(int maxVarbinds, long deadlineMillis) throws Exception {
        Context context = vertx.getOrCreateContext();
        AtomicReference<SnmpPoller> poller = new AtomicReference<>();
        Promise<Outcome> done = Promise.promise();
        context.runOnContext(v -> {
            poller.set(new SnmpPoller(vertx, deadlineMillis, maxVarbinds));
            AgentClient client = poller.get().client(agent("fake", FakeSnmpAgent.USER, FakeSnmpAgent.AUTH));
            client.poll("", 0).transform(first -> client.poll("", 0)).onComplete(ar -> done.complete(new Outcome(
                    ar.succeeded() ? ar.result() : null,
                    ar.failed() ? ar.cause().getMessage() : null,
                    Vertx.currentContext() == context)));
        });
        try {
            return done.future().await(30, TimeUnit.SECONDS);
        } finally {
            SnmpPoller p = poller.get();
            if (p != null) {
                p.close().await(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void a_table_longer_than_one_getbulk_is_walked_to_its_end_and_the_answer_comes_on_the_pollers_context() throws Exception {
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).isNull();
        assertThat(o.onItsContext()).isTrue();
        assertThat(o.report().vms()).hasSize(ROWS);
        assertThat(o.report().vms()).filteredOn(v -> v.name().equals("vm-120")).singleElement()
                .satisfies(v -> {
                    assertThat(v.state()).isEqualTo("RUNNING");
                    assertThat(v.uptimeSeconds()).isEqualTo(120);
                });
        assertThat(o.report().host().hostId()).isEqualTo("fake");
    }

    @Test
    void a_value_of_the_wrong_type_is_a_bad_payload() throws Exception {
        agent.objects.put(cell(6, 3), new OctetString("running"));
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).isEqualTo("bad payload: vmOperState of row 3 is an OctetString, not an integer");
        assertThat(o.onItsContext()).isTrue();
    }

    @Test
    void a_walk_that_goes_back_is_stopped() throws Exception {
        // Every GETBULK answered from the first row again: an endless loop for a trusting walker.
        agent.answer = request -> {
            if (request.getType() != PDU.GETBULK) {
                return agent.honest(request);
            }
            PDU restart = new PDU();
            restart.setType(PDU.GETBULK);
            restart.setMaxRepetitions(request.getMaxRepetitions());
            request.getVariableBindings().forEach(vb -> restart.add(new VariableBinding(
                    new OID(vb.getOid().getValue(), 0, Math.min(vb.getOid().size(), VM_ENTRY.size() + 1)))));
            return agent.honest(restart);
        };
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).startsWith("bad payload: vmName: the agent went back from 1.3.6.1.2.1.236.1.4.1.2.50 to ");
    }

    @Test
    void a_table_without_end_is_cut_at_the_cap() throws Exception {
        // Rows without end: whatever is asked for, the next row exists.
        agent.answer = request -> {
            if (request.getType() != PDU.GETBULK) {
                return agent.honest(request);
            }
            PDU response = new ScopedPDU();
            for (int r = 0; r < request.getMaxRepetitions(); r++) {
                for (VariableBinding vb : request.getVariableBindings()) {
                    OID asked = vb.getOid();
                    int row = asked.size() > VM_ENTRY.size() + 1 ? asked.last() + 1 + r : 1 + r;
                    response.add(new VariableBinding(new OID(asked.getValue(), 0, VM_ENTRY.size() + 1).append(row),
                            new OctetString("x")));
                }
            }
            return response;
        };
        Outcome o = poll(2_000);
        assertThat(o.failure()).isEqualTo("bad payload: the agent answered more than 2000 objects");
    }

    @Test
    void more_objects_than_asked_for_are_refused() throws Exception {
        agent.answer = request -> {
            PDU honest = agent.honest(request);
            if (request.getType() == PDU.GETBULK) {
                List.copyOf(honest.getVariableBindings()).forEach(honest::add);
            }
            return honest;
        };
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).isEqualTo("bad payload: the agent answered 700 objects to a GETBULK of at most 350");
    }

    @Test
    void an_error_status_is_named() throws Exception {
        agent.answer = request -> {
            PDU honest = agent.honest(request);
            if (request.getType() == PDU.GETBULK) {
                honest.setErrorStatus(PDU.genErr);
                honest.setErrorIndex(1);
            }
            return honest;
        };
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).isEqualTo("SNMP: the agent answered General variable binding error (error-index 1)");
    }

    @Test
    void an_agent_that_serves_none_of_the_host_objects_is_a_third_party_host() throws Exception {
        agent.answer = request -> {
            PDU honest = agent.honest(request);
            if (request.getType() == PDU.GET) {
                honest.getVariableBindings().forEach(vb -> vb.setVariable(Null.noSuchInstance));
            }
            return honest;
        };
        Outcome o = poll(SnmpPoller.MAX_VARBINDS);
        assertThat(o.failure()).isNull();
        assertThat(o.report().vms()).hasSize(ROWS).allSatisfy(v -> assertThat(v.application()).isEmpty());
    }

    @Test
    void a_wrong_authentication_password_is_named_for_its_user_only() throws Exception {
        // The agent answers with a report authenticated with the key it knows, which the manager
        // cannot verify; the answer's user name says which of the two agents at this address it is for.
        Context context = vertx.getOrCreateContext();
        AtomicReference<SnmpPoller> poller = new AtomicReference<>();
        Promise<List<String>> done = Promise.promise();
        context.runOnContext(v -> {
            poller.set(new SnmpPoller(vertx, DEADLINE_MS));
            AgentClient good = poller.get().client(agent("good", FakeSnmpAgent.USER, FakeSnmpAgent.AUTH));
            AgentClient wrong = poller.get().client(agent("wrong", FakeSnmpAgent.OTHER_USER, "not-the-auth-pass"));
            Future.all(good.poll("", 0).map(r -> "ok").otherwise(Throwable::getMessage),
                    wrong.poll("", 0).map(r -> "ok").otherwise(Throwable::getMessage))
                    .onComplete(ar -> done.complete(List.of(ar.result().resultAt(0), ar.result().resultAt(1))));
        });
        try {
            assertThat(done.future().await(30, TimeUnit.SECONDS))
                    .containsExactly("ok", "SNMP: wrong authentication (usmStatsWrongDigests)");
        } finally {
            poller.get().close().await(10, TimeUnit.SECONDS);
        }
    }

    private ManagerConfig.Agent agent(String name, String user, String authPassword) {
        return new ManagerConfig.Agent(name, "127.0.0.1", agent.port(), ManagerConfig.Transport.SNMP, user, "",
                new ManagerConfig.Snmp(ManagerConfig.AuthProtocol.SHA_256, authPassword, ManagerConfig.PrivProtocol.AES_128,
                        FakeSnmpAgent.PRIV, ManagerConfig.HostFacts.UNDECLARED));
    }

    @Test
    void no_answer_at_all_is_a_timeout() throws Exception {
        agent.answer = request -> request.size() == 0 ? agent.honest(request) : null;
        Outcome o = poll(SnmpPoller.MAX_VARBINDS, 300);
        assertThat(o.failure()).isEqualTo("timeout after 300"
                + " ms (the agent answered engine discovery but no request of user noc: check user, priv and privPassword)");
    }
}
