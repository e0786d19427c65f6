package io.federa.manager.poll;

import io.federa.manager.agent.JolokiaClient;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.tls.ManagerTls;
import io.federa.common.tls.Pem;
import io.federa.manager.tls.TestCerts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poller over TLS against real TLS servers standing for agents: one with a certificate of the
 * manager's authority is polled; one of another authority, one that speaks plain HTTP, and one
 * whose certificate is not the one pinned are refused with a reason naming the agent — the last
 * before anything is sent to it. An agent that requires client certificates gets the manager's.
 */
class JolokiaPollerTlsTest {
    private Vertx vertx;
    private String good;
    private Path fleet;
    private Path other;
    private JolokiaPoller poller;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        vertx = Vertx.vertx();
        try (InputStream in = getClass().getResourceAsStream("host-1-bulk.json")) {
            good = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        fleet = TestCerts.make(dir.resolve("fleet"), "host-1", "host-2", "manager");
        other = TestCerts.make(dir.resolve("other"), "host-1");
        ManagerConfig.Tls tls = new ManagerConfig.Tls(fleet.resolve("manager.pem"), fleet.resolve("manager-key.pem"),
                fleet.resolve("ca.pem"), read(fleet, "manager.pem"), read(fleet, "manager-key.pem"), read(fleet, "ca.pem"));
        // Deadlines far above a poll's duration: the first handshake on a loaded machine takes
        // seconds, and no case here is about time.
        poller = new JolokiaPoller(vertx, 10_000, 30_000, 4 << 20, Optional.of(new ManagerTls(tls)));
    }

    @AfterEach
    void stop() throws Exception {
        poller.close().await(10, TimeUnit.SECONDS);
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static String read(Path dir, String file) throws Exception {
        return Files.readString(dir.resolve(file));
    }

    /** An agent's stand-in: TLS with {@code dir}'s certificate {@code name}; client certificates of {@code dir}'s authority when asked. */
    private int agent(Path dir, String name, boolean requireClientCert) throws Exception {
        HttpServerOptions o = new HttpServerOptions();
        if (name != null) {
            o.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertValue(Buffer.buffer(read(dir, name + ".pem")))
                    .setKeyValue(Buffer.buffer(read(dir, name + "-key.pem"))));
        }
        if (requireClientCert) {
            o.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(read(dir, "ca.pem"))));
        }
        HttpServer s = vertx.createHttpServer(o).requestHandler(req -> {
            requests.incrementAndGet();
            req.response().putHeader("Content-Type", "application/json").end(good);
        });
        return s.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    }

    private static JolokiaClient.Target target(int port, String fingerprint) {
        return new JolokiaClient.Target("agent host-1", "127.0.0.1", port, "/jolokia/", "federa", "secret-password", fingerprint);
    }

    private static String failure(Future<?> f) {
        try {
            f.await(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            return e.getMessage();
        }
        throw new AssertionError("the poll succeeded");
    }

    private static String fingerprint(Path dir, String name) throws Exception {
        return Pem.fingerprint(Pem.certificates(read(dir, name + ".pem")).get(0));
    }

    @Test
    void an_agent_with_a_certificate_of_the_authority_is_polled_and_its_pinned_certificate_accepted() throws Exception {
        int port = agent(fleet, "host-1", false);
        assertThat(poller.poll(target(port, "")).await(10, TimeUnit.SECONDS).host().hostId()).isEqualTo("host-1");
        assertThat(poller.poll(target(port, fingerprint(fleet, "host-1"))).await(10, TimeUnit.SECONDS).host().hostId())
                .isEqualTo("host-1");
    }

    @Test
    void an_agent_that_requires_client_certificates_gets_the_managers() throws Exception {
        int port = agent(fleet, "host-1", true);
        assertThat(poller.poll(target(port, "")).await(10, TimeUnit.SECONDS).host().hostId()).isEqualTo("host-1");
    }

    @Test
    void a_certificate_of_another_authority_is_refused_naming_the_agent() throws Exception {
        int port = agent(other, "host-1", false);
        assertThat(failure(poller.poll(target(port, "")))).isEqualTo("TLS: the certificate of agent host-1 at 127.0.0.1:" + port
                + " is not signed by the authority in tls.ca");
        assertThat(requests).hasValue(0);
    }

    @Test
    void an_agent_speaking_plain_http_is_refused() throws Exception {
        int port = agent(fleet, null, false);
        assertThat(failure(poller.poll(target(port, "")))).startsWith("TLS: the handshake with agent host-1 at 127.0.0.1:" + port);
        assertThat(requests).hasValue(0);
    }

    @Test
    void an_agent_whose_certificate_is_not_the_pinned_one_is_asked_nothing() throws Exception {
        int port = agent(fleet, "host-2", false);
        String pinned = fingerprint(fleet, "host-1");
        assertThat(failure(poller.poll(target(port, pinned)))).isEqualTo("identity: presents a certificate with sha256 "
                + fingerprint(fleet, "host-2") + ", not the pinned " + pinned + " (another host at this agent's address? give its "
                + "new fingerprint in agents[].fingerprint once the change is intended)");
        assertThat(requests).as("no request reached the impostor").hasValue(0);
    }

    @Test
    void a_certificate_that_does_not_name_the_address_asked_is_refused() throws Exception {
        TestCerts.makeWithNames(fleet, "DNS:elsewhere.example", "host-9");
        int port = agent(fleet, "host-9", false);
        assertThat(failure(poller.poll(target(port, "")))).startsWith("TLS: the certificate of agent host-1 at 127.0.0.1:" + port
                + " does not name the address asked");
        assertThat(requests).hasValue(0);
    }
}
