package io.federa.manager.poll;

import io.federa.manager.core.inventory.LiveInventory;
import io.federa.manager.tls.ManagerTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Polls one agent's Jolokia with the manager's bulk read, without ever blocking: a connect
 * timeout, a deadline for the whole answer (a slow-loris agent is cut off at it), and a cap on
 * the body (a 100 MB answer is cut off at the cap). Every failure is a reason a NOC engineer can
 * act on: "timeout after 2000 ms", "connection refused", "HTTP 401", "bad payload: …".
 */
public final class JolokiaPoller {
    /** The address and credentials of one agent's Jolokia. */
    public record Target(String name, String host, int port, String path, String user, String password, String fingerprint) {
        public Target(String host, int port, String path, String user, String password) {
            this("the agent at " + host + ":" + port, host, port, path, user, password, "");
        }

        @Override
        public String toString() {
            return "Target[" + host + ":" + port + path + " as " + user + "]";
        }
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final long deadlineMillis;
    private final int maxBodyBytes;

    /**
     * Connections kept per agent. The pool's size is per address (host and port), and Vert.x
     * allocates each address's pool at that size up front: a size equal to the fleet (as it once
     * was) is N² memory, 10,000 agents ran out of a 512 MB heap within seconds. One poll runs per
     * agent at a time; the second connection serves a poll that begins while the connection of one
     * given up at its deadline is still being closed. The fleet-wide cap on polls at once is the
     * poll loop's.
     */
    static final int CONNECTIONS_PER_AGENT = 2;

    public JolokiaPoller(Vertx vertx, int connectTimeoutMillis, long deadlineMillis, int maxBodyBytes) {
        this(vertx, connectTimeoutMillis, deadlineMillis, maxBodyBytes, java.util.Optional.empty());
    }

    /**
     * @param tls when given, agents are polled over TLS only; each report then carries the
     *            fingerprint of the certificate the agent presented, for the inventory to check
     *            against the pinned one
     */
    public JolokiaPoller(Vertx vertx, int connectTimeoutMillis, long deadlineMillis, int maxBodyBytes,
                         java.util.Optional<ManagerTls> tls) {
        this.vertx = vertx;
        this.deadlineMillis = deadlineMillis;
        this.maxBodyBytes = maxBodyBytes;
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout(connectTimeoutMillis).setKeepAlive(true)
                .setTcpNoDelay(true);
        tls.ifPresent(t -> t.connect(options));
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_AGENT));
    }

    public Future<AgentReport> poll(Target t) {
        return poll(t, JolokiaPollParser.POLL);
    }

    /** Polls with the given bulk request (the plain poll, or one that also renews the lease). */
    public Future<AgentReport> poll(Target t, String request) {
        Promise<AgentReport> result = Promise.promise();
        AtomicBoolean finished = new AtomicBoolean();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long timer = vertx.setTimer(deadlineMillis, id -> {
            if (finished.compareAndSet(false, true)) {
                if (sent[0] != null) {
                    sent[0].reset();
                }
                result.fail(new PollFailure("timeout after " + deadlineMillis + " ms"));
            }
        });
        String auth = "Basic " + Base64.getEncoder().encodeToString((t.user() + ":" + t.password()).getBytes(StandardCharsets.UTF_8));
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(t.host()).setPort(t.port()).setURI(t.path()))
                .compose(req -> {
                    if (finished.get()) {
                        // The deadline passed while the connection was being made: this poll is over
                        // (and no longer counted in flight), so it must not reach the agent now.
                        req.reset();
                        return Future.failedFuture(new PollFailure("timeout after " + deadlineMillis + " ms"));
                    }
                    // An agent whose certificate is pinned is asked nothing (no renewal reaches an
                    // impostor) unless it presented that very certificate.
                    String impostor = LiveInventory.certificateRefusal(t.fingerprint(), ManagerTls.fingerprint(req.connection()));
                    if (impostor != null) {
                        req.reset();
                        return Future.failedFuture(new PollFailure(impostor));
                    }
                    sent[0] = req;
                    req.putHeader("Authorization", auth).putHeader("Content-Type", "application/json");
                    return req.send(request);
                })
                .onFailure(e -> {
                    if (finished.compareAndSet(false, true)) {
                        vertx.cancelTimer(timer);
                        result.fail(e instanceof PollFailure ? e : new PollFailure(describe(e, t)));
                    }
                })
                .onSuccess(resp -> {
                    if (resp.statusCode() != 200) {
                        if (finished.compareAndSet(false, true)) {
                            vertx.cancelTimer(timer);
                            resp.request().reset();
                            result.fail(new PollFailure("HTTP " + resp.statusCode()));
                        }
                        return;
                    }
                    Buffer body = Buffer.buffer();
                    resp.handler(chunk -> {
                        if (finished.get()) {
                            return;
                        }
                        if (body.length() + chunk.length() > maxBodyBytes) {
                            if (finished.compareAndSet(false, true)) {
                                vertx.cancelTimer(timer);
                                resp.request().reset();
                                result.fail(new PollFailure("bad payload: the answer exceeds " + maxBodyBytes + " bytes"));
                            }
                            return;
                        }
                        body.appendBuffer(chunk);
                    });
                    resp.exceptionHandler(e -> {
                        if (finished.compareAndSet(false, true)) {
                            vertx.cancelTimer(timer);
                            result.fail(new PollFailure(describe(e, t)));
                        }
                    });
                    resp.endHandler(v -> {
                        if (!finished.compareAndSet(false, true)) {
                            return;
                        }
                        vertx.cancelTimer(timer);
                        try {
                            result.complete(JolokiaPollParser.parse(new JsonArray(body)));
                        } catch (DecodeException | ClassCastException e) {
                            result.fail(new PollFailure("bad payload: not the JSON of a Jolokia bulk answer"));
                        } catch (BadPayloadException e) {
                            result.fail(new PollFailure("bad payload: " + e.getMessage()));
                        }
                    });
                });
        return result.future();
    }

    private static String describe(Throwable e, Target t) {
        String tlsFailure = ManagerTls.describe(e, t.name() + " at " + t.host() + ":" + t.port());
        if (tlsFailure != null) {
            return tlsFailure;
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.contains("Connection refused")) {
            return "connection refused";
        }
        if (e instanceof io.vertx.core.http.StreamResetException || m.contains("closed")) {
            return "connection closed by the agent";
        }
        return m.length() > 120 ? m.substring(0, 120) + "…" : m;
    }

    public Future<Void> close() {
        return client.close();
    }
}
