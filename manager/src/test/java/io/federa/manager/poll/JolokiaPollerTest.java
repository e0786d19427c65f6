package io.federa.manager.poll;

import io.federa.manager.agent.JolokiaClient;
import io.federa.manager.core.inventory.VmStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poller against a deliberately hostile fake agent — wrong JSON, a 100 MB body, a slow
 * loris, a refusal — each a failure with a reason, and a good agent still polled afterwards.
 */
class JolokiaPollerTest {
    private static final int CAP = 4 * 1024 * 1024;
    private Vertx vertx;
    private HttpServer fake;
    private JolokiaPoller poller;
    private String good;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        try (InputStream in = getClass().getResourceAsStream("host-1-bulk.json")) {
            good = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        fake = vertx.createHttpServer().requestHandler(req -> {
            HttpServerResponse resp = req.response();
            switch (req.path()) {
                case "/good/" -> resp.putHeader("Content-Type", "application/json").end(good);
                case "/bad-json/" -> resp.end("{\"not\": json");
                case "/wrong-shape/" -> resp.end("[{\"status\":200,\"value\":{\"HostId\":7}},{\"status\":200,\"value\":{}}]");
                case "/unauthorized/" -> resp.setStatusCode(401).end();
                case "/chunked/", "/announced/" -> {
                    // The answer in pieces of 7 bytes, some of which cut a character of two bytes in two.
                    byte[] whole = good.replace("\"web-1\"", "\"wéb-1\"").getBytes(StandardCharsets.UTF_8);
                    if (req.path().equals("/announced/")) {
                        resp.putHeader("Content-Length", String.valueOf(whole.length));
                    } else {
                        resp.setChunked(true);
                    }
                    for (int i = 0; i < whole.length; i += 7) {
                        resp.write(Buffer.buffer(java.util.Arrays.copyOfRange(whole, i, Math.min(whole.length, i + 7))));
                    }
                    resp.end();
                }
                case "/huge/" -> {
                    resp.setChunked(true);
                    Buffer mb = Buffer.buffer(new byte[1024 * 1024]);
                    long[] sentMb = {0};
                    vertx.setPeriodic(5, id -> {
                        if (sentMb[0]++ >= 100 || resp.closed()) {
                            vertx.cancelTimer(id);
                            if (!resp.closed()) {
                                resp.end();
                            }
                            return;
                        }
                        resp.write(mb);
                    });
                }
                case "/slow/" -> {
                    resp.setChunked(true).write("[");
                    vertx.setPeriodic(300, id -> {
                        if (resp.closed()) {
                            vertx.cancelTimer(id);
                        } else {
                            resp.write(" ");
                        }
                    });
                }
                default -> resp.setStatusCode(404).end();
            }
        });
        fake.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        // A deadline long enough for the 100 MB answer to reach the cap on a loaded machine.
        poller = new JolokiaPoller(vertx, 1_000, 5_000, CAP);
    }

    @AfterEach
    void stop() throws Exception {
        poller.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private JolokiaClient.Target at(String path) {
        return new JolokiaClient.Target("127.0.0.1", fake.actualPort(), path, "federa", "secret-password");
    }

    private String failure(Future<?> f) throws Exception {
        try {
            f.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.getMessage();
        }
        throw new AssertionError("the poll succeeded");
    }

    @Test
    void a_good_agent_gives_its_host_and_vms() throws Exception {
        AgentReport p = poller.poll(at("/good/")).await(10, TimeUnit.SECONDS);
        assertThat(p.host().hostId()).isEqualTo("host-1");
        assertThat(p.vms()).hasSize(3);
    }

    @Test
    void an_answer_in_many_pieces_with_or_without_its_length_reads_as_one() throws Exception {
        for (String path : List.of("/chunked/", "/announced/")) {
            AgentReport p = poller.poll(at(path)).await(10, TimeUnit.SECONDS);
            assertThat(p.vms()).as(path).extracting(VmStatus::name).containsExactly("batch-1", "catalog-db-1", "wéb-1");
        }
    }

    @Test
    void an_agents_client_reads_each_answer_against_its_previous_one() throws Exception {
        AgentClient client = poller.client(at("/good/"));
        AgentReport first = client.poll(JolokiaPollParser.POLL, 5_000).await(10, TimeUnit.SECONDS);
        AgentReport second = client.poll(JolokiaPollParser.POLL, 5_000).await(10, TimeUnit.SECONDS);
        assertThat(second).isEqualTo(first);
        assertThat(second.vms().get(0).uuid()).isSameAs(first.vms().get(0).uuid());
        assertThat(second.host().hostId()).isSameAs(first.host().hostId());
    }

    @Test
    void hostile_agents_fail_with_a_reason_and_the_poller_stays_healthy() throws Exception {
        assertThat(failure(poller.poll(at("/bad-json/")))).startsWith("bad payload: not the JSON of a Jolokia bulk answer");
        assertThat(failure(poller.poll(at("/wrong-shape/")))).startsWith("bad payload: HostId is 7, not a string");
        assertThat(failure(poller.poll(at("/unauthorized/")))).isEqualTo("HTTP 401");
        assertThat(failure(poller.poll(at("/huge/")))).isEqualTo("bad payload: the answer exceeds " + CAP + " bytes");
        assertThat(failure(poller.poll(at("/slow/")))).isEqualTo("timeout after 5000 ms");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThat(failure(poller.poll(new JolokiaClient.Target("127.0.0.1", closedPort, "/jolokia/", "u", "p"))))
                .isEqualTo("connection refused");

        AgentReport p = poller.poll(at("/good/")).await(10, TimeUnit.SECONDS);
        assertThat(p.host().hostId()).as("still polling good agents").isEqualTo("host-1");
    }
}
