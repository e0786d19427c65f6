package io.federa.agent.command;

import io.federa.agent.Leases;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.LeaseStatement;
import io.federa.agent.core.PeerVerdict;
import io.federa.agent.metrics.AgentHttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Peers asked over real loopback HTTP, each serving its statement the way an agent does. */
class PeerCheckerTest {
    private final KeyPair manager = Leases.keyPair();
    private final LeaseStatements statements = new LeaseStatements(List.of(LeaseStatements.publicKey(Leases.publicKey(manager))));
    private final List<AgentHttpServer> servers = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void close() {
        servers.forEach(AgentHttpServer::close);
        pool.shutdownNow();
    }

    private String peer(Optional<String> envelope) throws Exception {
        AgentHttpServer s = AgentHttpServer.start(new AgentConfig.Endpoint("127.0.0.1", 0), new PrometheusRegistry(),
                () -> null, Optional.empty(), () -> envelope);
        servers.add(s);
        // A peer has been up a while: its first answer (class loading, on a busy machine) can take
        // longer than the check's wait, which is not what these cases are about.
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.baseUrl() + AgentHttpServer.LEASE_PATH)).build(),
                HttpResponse.BodyHandlers.discarding());
        return s.baseUrl() + AgentHttpServer.LEASE_PATH;
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private LeaseKeeper.CheckPlan plan(Map<String, String> peers) {
        LeaseStatement own = new LeaseStatement("manager-1", 1, 1_000_000, 4_000, 2_000, 2_500,
                new LeaseStatement.Fleet("v", peers.size() + 1, Optional.empty()));
        List<LeaseStatement.Member> members = new ArrayList<>();
        peers.forEach((n, u) -> members.add(new LeaseStatement.Member(n, u)));
        return new LeaseKeeper.CheckPlan(own, members, System.nanoTime());
    }

    @Test
    void signed_statements_of_the_same_round_from_a_majority_mean_the_managers_are_away() throws Exception {
        Map<String, String> peers = new LinkedHashMap<>();
        peers.put("host-2", peer(Optional.of(Leases.statement().issuedAt(1_000_300).signed(manager.getPrivate()))));
        peers.put("host-3", peer(Optional.of(Leases.statement().issuedAt(999_800).signed(manager.getPrivate()))));
        peers.put("host-4", "http://127.0.0.1:" + closedPort() + AgentHttpServer.LEASE_PATH);
        peers.put("host-5", peer(Optional.empty()));
        PeerVerdict v = new PeerChecker(statements, pool).check(plan(peers));
        assertThat(v.kind()).as(v.reason()).isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
        assertThat(v.reached()).isEqualTo(3);
    }

    @Test
    void a_fresher_signed_statement_cuts_the_host_off_and_a_forged_one_counts_for_nothing() throws Exception {
        KeyPair forger = Leases.keyPair();
        Map<String, String> peers = new LinkedHashMap<>();
        peers.put("host-2", peer(Optional.of(Leases.statement().issuedAt(1_009_000).signed(forger.getPrivate()))));
        peers.put("host-3", peer(Optional.of(Leases.statement().issuedAt(1_000_000).unsigned())));
        PeerVerdict forged = new PeerChecker(statements, pool).check(plan(peers));
        assertThat(forged.kind()).as(forged.reason()).isEqualTo(PeerVerdict.Kind.ISOLATED);
        assertThat(forged.reason()).contains("host-2 (statement not believed: signature: is not a manager's");

        peers.put("host-3", peer(Optional.of(Leases.statement().issuedAt(1_009_000).signed(manager.getPrivate()))));
        PeerVerdict v = new PeerChecker(statements, pool).check(plan(peers));
        assertThat(v.kind()).isEqualTo(PeerVerdict.Kind.CUT_OFF);
        assertThat(v.fresher()).containsExactly("host-3 (issued 9000 ms later, term 1)");
    }

    /** A peer that answers with {@code envelope} only after {@code delayMillis}, as a peer on a starved machine would. */
    private String slowPeer(String envelope, long delayMillis) throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(slowThreads);
        server.createContext(AgentHttpServer.LEASE_PATH, ex -> {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = envelope.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        slow.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort() + AgentHttpServer.LEASE_PATH;
    }

    private final List<com.sun.net.httpserver.HttpServer> slow = new ArrayList<>();
    private final ExecutorService slowThreads = Executors.newCachedThreadPool();

    @AfterEach
    void closeSlow() {
        slow.forEach(s -> s.stop(0));
        slowThreads.shutdownNow();
    }

    @Test
    void peers_that_answer_after_the_period_still_count_while_the_lease_leaves_time_and_a_majority_is_missing() throws Exception {
        Map<String, String> peers = new LinkedHashMap<>();
        String same = Leases.statement().issuedAt(1_000_000).signed(manager.getPrivate());
        peers.put("host-2", slowPeer(same, 800));
        peers.put("host-3", slowPeer(same, 800));
        try (ServerSocket silent = new ServerSocket(0)) {
            // Accepts, never answers: a stopped process.
            peers.put("host-4", "http://127.0.0.1:" + silent.getLocalPort() + AgentHttpServer.LEASE_PATH);
            LeaseKeeper.CheckPlan within = plan(peers);
            // Within the checks' period alone (500 ms), the two slow peers are not heard: no majority.
            assertThat(new PeerChecker(statements, pool).check(within).kind()).isEqualTo(PeerVerdict.Kind.ISOLATED);
            // With the time the lease leaves, they are: the managers are away, and the silent one
            // does not hold the verdict back once a majority has answered.
            LeaseKeeper.CheckPlan longer = new LeaseKeeper.CheckPlan(within.own(), within.peers(), System.nanoTime(), 4_000);
            PeerVerdict v = new PeerChecker(statements, pool).check(longer);
            assertThat(v.kind()).as(v.reason()).isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
            assertThat(v.reached()).isEqualTo(3);
        }
    }

    /**
     * A plan whose peers have a minute to answer: a TLS handshake on a loaded machine may take
     * longer than {@link #plan}'s half second, and these cases are about whom the check believes,
     * not how fast. The check ends as soon as every peer has answered or failed.
     */
    private LeaseKeeper.CheckPlan patientPlan(Map<String, String> peers) {
        LeaseStatement own = new LeaseStatement("manager-1", 1, 1_000_000, 120_000, 80_000, 2_500,
                new LeaseStatement.Fleet("v", peers.size() + 1, Optional.empty()));
        List<LeaseStatement.Member> members = new ArrayList<>();
        peers.forEach((n, u) -> members.add(new LeaseStatement.Member(n, u)));
        return new LeaseKeeper.CheckPlan(own, members, System.nanoTime(), 60_000);
    }

    /** An agent's TLS from certificates made by bin/federa-certs: {@code dir}'s certificate {@code name}, its authority, clients' certificates required. */
    private static io.federa.agent.tls.AgentTls tls(java.nio.file.Path dir, String name) throws Exception {
        return io.federa.agent.tls.AgentTls.of(new AgentConfig.Tls(dir.resolve(name + ".pem"), dir.resolve(name + "-key.pem"),
                dir.resolve("ca.pem"), true, java.nio.file.Files.readString(dir.resolve(name + ".pem")),
                java.nio.file.Files.readString(dir.resolve(name + "-key.pem")), java.nio.file.Files.readString(dir.resolve("ca.pem"))));
    }

    @Test
    void peers_are_asked_over_tls_and_one_with_a_certificate_of_another_authority_is_not_believed(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path fleet = io.federa.agent.tls.TestCerts.make(dir.resolve("fleet"), "host-1", "host-2");
        java.nio.file.Path other = io.federa.agent.tls.TestCerts.make(dir.resolve("other"), "host-3");
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            Map<String, String> peers = new LinkedHashMap<>();
            String signed = Leases.statement().issuedAt(1_000_300).signed(manager.getPrivate());
            AgentHttpServer good = AgentHttpServer.start(vertx, new AgentConfig.Endpoint("127.0.0.1", 0), new PrometheusRegistry(),
                    () -> null, Optional.empty(), () -> Optional.of(signed), io.federa.agent.http.HttpLimits.DEFAULT,
                    Optional.of(tls(fleet, "host-2")));
            AgentHttpServer stranger = AgentHttpServer.start(vertx, new AgentConfig.Endpoint("127.0.0.1", 0), new PrometheusRegistry(),
                    () -> null, Optional.empty(), () -> Optional.of(signed), io.federa.agent.http.HttpLimits.DEFAULT,
                    Optional.of(tls(other, "host-3")));
            servers.add(good);
            servers.add(stranger);
            assertThat(good.baseUrl()).startsWith("https://");
            peers.put("host-2", good.baseUrl() + AgentHttpServer.LEASE_PATH);
            peers.put("host-3", stranger.baseUrl() + AgentHttpServer.LEASE_PATH);

            PeerChecker checker = new PeerChecker(statements, pool, Optional.of(tls(fleet, "host-1").clientContext()));
            PeerVerdict v = checker.check(patientPlan(peers));
            assertThat(v.kind()).as(v.reason()).isEqualTo(PeerVerdict.Kind.MANAGERS_AWAY);
            assertThat(v.reached()).as("this host and host-2").isEqualTo(2);
            PeerVerdict alone = checker.check(patientPlan(Map.of("host-3", peers.get("host-3"))));
            assertThat(alone.kind()).isEqualTo(PeerVerdict.Kind.ISOLATED);
            assertThat(alone.reason()).contains("host-3 (TLS: the certificate of peer host-3 at " + peers.get("host-3")
                    + " is not signed by the authority in tls.ca)");

            // Without the fleet's certificate, the peer that requires one does not answer.
            PeerVerdict anonymous = new PeerChecker(statements, pool).check(plan(Map.of("host-2", peers.get("host-2"))));
            assertThat(anonymous.reached()).as(anonymous.reason()).isEqualTo(1);
        } finally {
            servers.forEach(AgentHttpServer::close);
            servers.clear();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
