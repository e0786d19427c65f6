package io.federa.agent.command;

import io.federa.agent.core.LeaseStatement;
import io.federa.agent.core.PeerVerdict;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks every peer of the fleet for its latest lease statement ({@code GET <member url>}), all at
 * once, and waits at most until the next check is due. A peer's answer counts only when a
 * manager's signature on it holds: a peer cannot make evidence up. Blocking; runs on the
 * watchdog's own checking thread.
 */
public final class PeerChecker {
    /** A statement with a few hundred members is some tens of kilobytes. */
    private static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;
    private final HttpClient http;
    private final LeaseStatements statements;

    public PeerChecker(LeaseStatements statements, Executor executor) {
        this.statements = statements;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Asks the plan's peers and judges their answers. */
    public PeerVerdict check(LeaseKeeper.CheckPlan plan) {
        long waitMillis = Math.max(50, plan.own().peerCheckEveryMillis());
        Map<String, CompletableFuture<PeerVerdict.Answer>> asked = new LinkedHashMap<>();
        for (LeaseStatement.Member m : plan.peers()) {
            asked.put(m.name(), ask(m, waitMillis));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        Map<String, PeerVerdict.Answer> answers = new LinkedHashMap<>();
        for (Map.Entry<String, CompletableFuture<PeerVerdict.Answer>> e : asked.entrySet()) {
            long left = Math.max(0, deadline - System.nanoTime());
            PeerVerdict.Answer a;
            try {
                a = e.getValue().get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                a = PeerVerdict.Answer.failed("no answer within " + waitMillis + " ms");
            } catch (ExecutionException ex) {
                a = PeerVerdict.Answer.failed(String.valueOf(ex.getCause()));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                a = PeerVerdict.Answer.failed("interrupted");
            }
            answers.put(e.getKey(), a);
        }
        return PeerVerdict.judge(plan.own(), answers);
    }

    private CompletableFuture<PeerVerdict.Answer> ask(LeaseStatement.Member m, long waitMillis) {
        HttpRequest req;
        try {
            req = HttpRequest.newBuilder(URI.create(m.url())).timeout(Duration.ofMillis(waitMillis)).GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerVerdict.Answer.failed("bad address " + m.url()));
        }
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream()).thenApply(r -> {
            try (var in = r.body()) {
                if (r.statusCode() == 204) {
                    return PeerVerdict.Answer.failed("holds no statement yet");
                }
                if (r.statusCode() != 200) {
                    return PeerVerdict.Answer.failed("HTTP " + r.statusCode() + " at " + m.url());
                }
                byte[] body = in.readNBytes(MAX_ANSWER_BYTES + 1);
                if (body.length > MAX_ANSWER_BYTES) {
                    return PeerVerdict.Answer.failed("answer larger than " + MAX_ANSWER_BYTES + " bytes");
                }
                return PeerVerdict.Answer.of(statements.read(new String(body, java.nio.charset.StandardCharsets.UTF_8)).statement());
            } catch (IllegalArgumentException e) {
                return PeerVerdict.Answer.failed("statement not believed: " + e.getMessage());
            } catch (java.io.IOException e) {
                return PeerVerdict.Answer.failed(e.toString());
            }
        }).exceptionally(e -> PeerVerdict.Answer.failed(e.getCause() == null ? e.toString() : e.getCause().toString()));
    }
}
