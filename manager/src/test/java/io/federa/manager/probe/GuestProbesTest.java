package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Probes against a real HTTP server on 127.0.0.1: what passes, what fails and how each failure reads. */
class GuestProbesTest {
    private static Vertx vertx;
    private static HttpServer server;
    private static GuestProbes probes;

    @BeforeAll
    static void serve() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(req -> {
            switch (req.path()) {
                case "/health" -> req.response().putHeader("Content-Type", "application/json").end("{\"load\": 0.42, \"ok\": true}");
                case "/text" -> req.response().end("fine");
                case "/overloaded" -> req.response().putHeader("Content-Type", "application/json").end("{\"load\": 7}");
                case "/broken" -> req.response().setStatusCode(503).setStatusMessage("Service Unavailable")
                        .end("the guest was told to fail\nsecond line");
                case "/silent" -> { }
                case "/huge" -> req.response().setChunked(true).end("x".repeat(GuestProbes.MAX_ANSWER_BYTES + 1));
                default -> req.response().setStatusCode(404).end();
            }
        }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        probes = new GuestProbes(vertx, 8);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static ProbeSpec spec(String path, Optional<String> loadField) {
        return new ProbeSpec(80, path, Duration.ofSeconds(5), Duration.ofMillis(1_500), 3, Duration.ofSeconds(60), loadField);
    }

    private static ProbeResult probe(String address, ProbeSpec spec) throws Exception {
        // Probes are sent from an event loop, as the verticle sends them.
        io.vertx.core.Promise<ProbeResult> p = io.vertx.core.Promise.promise();
        vertx.runOnContext(x -> probes.probe(address, spec, System.currentTimeMillis()).onComplete(p));
        return p.future().await(10, TimeUnit.SECONDS);
    }

    private static String here() {
        return "127.0.0.1:" + server.actualPort();
    }

    @Test
    void a2xxAnswerPassesWithTheLoadItCarries() throws Exception {
        ProbeResult r = probe(here(), spec("/health", Optional.of("load")));
        assertThat(r.passed()).isTrue();
        assertThat(r.load().getAsDouble()).isEqualTo(0.42);
        // No load field named, or an answer that is not JSON: it passes and says nothing of the load.
        assertThat(probe(here(), spec("/health", Optional.empty())).load()).isEmpty();
        ProbeResult text = probe(here(), spec("/text", Optional.of("load")));
        assertThat(text.passed()).isTrue();
        assertThat(text.load()).isEmpty();
        // A load outside 0–1 is not a load.
        assertThat(probe(here(), spec("/overloaded", Optional.of("load"))).load()).isEmpty();
    }

    @Test
    void anErrorStatusFailsWithTheStatusAndTheAnswersFirstLine() throws Exception {
        ProbeResult r = probe(here(), spec("/broken", Optional.empty()));
        assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(r.detail()).isEqualTo("HTTP 503 Service Unavailable: the guest was told to fail");
        assertThat(probe(here(), spec("/missing", Optional.empty())).detail()).startsWith("HTTP 404");
    }

    @Test
    void anAnswerThatDoesNotComeInTimeOrIsTooLargeFails() throws Exception {
        assertThat(probe(here(), spec("/silent", Optional.empty())).detail()).isEqualTo("no answer within 1500 ms");
        assertThat(probe(here(), spec("/huge", Optional.empty())).detail())
                .isEqualTo("HTTP 200 with an answer over " + GuestProbes.MAX_ANSWER_BYTES + " bytes");
    }

    @Test
    void nobodyListeningIsAConnectionRefused() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        assertThat(probe("127.0.0.1:" + closed, spec("/health", Optional.empty())).detail()).isEqualTo("connection refused");
    }
}
