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
 * once, and waits for their answers as long as the plan allows (until just before the lease or
 * grant runs out). A peer's answer counts only when a
 * manager's signature on it holds: a peer cannot make evidence up. Blocking; runs on the
 * watchdog's own checking thread.
 */
public final class PeerChecker {
    /** A statement with a few hundred members is some tens of kilobytes. */
    private static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;
    private final HttpClient http;
    private final LeaseStatements statements;

    public PeerChecker(LeaseStatements statements, Executor executor) {
        this(statements, executor, java.util.Optional.empty());
    }

    /** @param tls the context of https peers (the fleet's authority, this agent's certificate); empty: the JDK's defaults */
    public PeerChecker(LeaseStatements statements, Executor executor, java.util.Optional<javax.net.ssl.SSLContext> tls) {
        this.statements = statements;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).executor(executor)
                .followRedirects(HttpClient.Redirect.NEVER);
        tls.ifPresent(b::sslContext);
        this.http = b.build();
    }

    /**
     * Asks the plan's peers and judges their answers. Every peer has the checks' period to answer;
     * past it, the check waits on — up to the plan's wait — only while fewer than a majority have
     * answered (a busy machine answers slowly), and stops as soon as a majority has. A peer that
     * stays silent (stopped, cut off) thus costs one period, not the whole wait.
     */
    public PeerVerdict check(LeaseKeeper.CheckPlan plan) {
        long period = Math.max(50, plan.own().peerCheckEveryMillis());
        long waitMillis = Math.max(period, plan.waitMillis());
        Map<String, CompletableFuture<PeerVerdict.Answer>> asked = new LinkedHashMap<>();
        for (LeaseStatement.Member m : plan.peers()) {
            asked.put(m.name(), ask(m, waitMillis));
        }
        long started = System.nanoTime();
        Map<String, PeerVerdict.Answer> answers = new LinkedHashMap<>();
        collect(asked, answers, started + TimeUnit.MILLISECONDS.toNanos(period), Integer.MAX_VALUE);
        int majority = PeerVerdict.majority(plan.own().fleet().size());
        collect(asked, answers, started + TimeUnit.MILLISECONDS.toNanos(waitMillis), majority);
        for (Map.Entry<String, CompletableFuture<PeerVerdict.Answer>> e : asked.entrySet()) {
            if (!answers.containsKey(e.getKey())) {
                e.getValue().cancel(true);
                answers.put(e.getKey(), PeerVerdict.Answer.failed("no answer within " + (System.nanoTime() - started) / 1_000_000
                        + " ms"));
            }
        }
        return PeerVerdict.judge(plan.own(), answers);
    }

    /** Takes the answers that come before {@code deadline}, until this host and the peers that answered make {@code enough}. */
    private static void collect(Map<String, CompletableFuture<PeerVerdict.Answer>> asked, Map<String, PeerVerdict.Answer> answers,
                                long deadline, int enough) {
        for (Map.Entry<String, CompletableFuture<PeerVerdict.Answer>> e : asked.entrySet()) {
            if (answers.containsKey(e.getKey())) {
                continue;
            }
            if (1 + answers.values().stream().filter(a -> a.statement() != null).count() >= enough) {
                return;
            }
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                answers.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS));
            } catch (TimeoutException ex) {
                // still out: asked again below the next deadline, or counted as silent
            } catch (ExecutionException ex) {
                answers.put(e.getKey(), PeerVerdict.Answer.failed(String.valueOf(ex.getCause())));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                answers.put(e.getKey(), PeerVerdict.Answer.failed("interrupted"));
            }
        }
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
        }).exceptionally(e -> {
            String tlsFailure = io.federa.common.tls.TlsFailures.describe(e, "peer " + m.name() + " at " + m.url(), "this agent's");
            return PeerVerdict.Answer.failed(tlsFailure != null ? tlsFailure
                    : e.getCause() == null ? e.toString() : e.getCause().toString());
        });
    }
}
