package io.federa.manager.agent;

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

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The manager's one client of its agents' Jolokia, for polls and commands alike: a connect
 * timeout, a deadline for the whole answer (an agent that trickles it is cut off there), a cap on
 * the answer's size (a 100 MB answer is cut off at the cap, never held), TLS with the agent's
 * certificate checked against its pin before anything is sent, and every failure a reason a NOC
 * engineer can act on: "timeout after 2000 ms", "connection refused", "HTTP 401", "bad payload:
 * the answer exceeds … bytes", "identity: …", "TLS: …". Never blocks.
 */
public final class JolokiaClient {
    /** The address, credentials and pinned certificate (SHA-256, or empty) of one agent's Jolokia. */
    public record Target(String name, String host, int port, String path, String user, String password, String fingerprint) {
        public Target(String host, int port, String path, String user, String password) {
            this("the agent at " + host + ":" + port, host, port, path, user, password, "");
        }

        @Override
        public String toString() {
            return "Target[" + host + ":" + port + path + " as " + user + "]";
        }
    }

    /** Why a request got no usable answer, in the words of the class comment. */
    public static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Failure(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Vertx vertx;
    private final HttpClient client;

    /**
     * @param connectionsPerAgent connections kept per agent. Vert.x sizes each address's pool at
     *                            this up front: a size proportional to the fleet is N² memory
     * @param tls                 when given, agents are spoken to over TLS only
     */
    public JolokiaClient(Vertx vertx, int connectTimeoutMillis, int connectionsPerAgent, Optional<ManagerTls> tls) {
        this.vertx = vertx;
        HttpClientOptions options = new HttpClientOptions().setConnectTimeout(connectTimeoutMillis).setKeepAlive(true)
                .setTcpNoDelay(true);
        tls.ifPresent(t -> t.connect(options));
        this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(connectionsPerAgent));
    }

    /**
     * POSTs {@code body} to the agent; its answer's body when the status is 200, whole within
     * {@code deadlineMillis} and at most {@code maxBytes}; otherwise a {@link Failure}. A request
     * whose deadline passed while its connection was being made is not sent at all.
     */
    public Future<Buffer> post(Target t, String body, long deadlineMillis, int maxBytes) {
        if (Vertx.currentContext() == null) {
            // Called from a thread of no Vert.x context (a test, a blocking caller): the answer's
            // handlers are set when the response's future completes, and from a foreign thread that
            // can be after a small answer's body went by — the request would then wait for its
            // deadline. The exchange runs on an event loop instead, as the poll loops' do.
            Promise<Buffer> hopped = Promise.promise();
            vertx.getOrCreateContext().runOnContext(v -> post(t, body, deadlineMillis, maxBytes).onComplete(hopped));
            return hopped.future();
        }
        Promise<Buffer> result = Promise.promise();
        AtomicBoolean finished = new AtomicBoolean();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long timer = vertx.setTimer(deadlineMillis, id -> {
            if (finished.compareAndSet(false, true)) {
                if (sent[0] != null) {
                    sent[0].reset();
                }
                result.fail(new Failure("timeout after " + deadlineMillis + " ms"));
            }
        });
        String auth = "Basic " + Base64.getEncoder().encodeToString((t.user() + ":" + t.password()).getBytes(StandardCharsets.UTF_8));
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(t.host()).setPort(t.port()).setURI(t.path()))
                .compose(req -> {
                    if (finished.get()) {
                        // The deadline passed while the connection was being made: this request is
                        // over (and no longer counted in flight), so it must not reach the agent now.
                        req.reset();
                        return Future.failedFuture(new Failure("timeout after " + deadlineMillis + " ms"));
                    }
                    // An agent whose certificate is pinned is asked nothing (no renewal or command
                    // reaches an impostor) unless it presented that very certificate.
                    String impostor = LiveInventory.certificateRefusal(t.fingerprint(), ManagerTls.fingerprint(req.connection()));
                    if (impostor != null) {
                        req.reset();
                        return Future.failedFuture(new Failure(impostor));
                    }
                    sent[0] = req;
                    req.putHeader("Authorization", auth).putHeader("Content-Type", "application/json");
                    return req.send(body);
                })
                .onFailure(e -> {
                    if (finished.compareAndSet(false, true)) {
                        vertx.cancelTimer(timer);
                        result.fail(e instanceof Failure ? e : new Failure(describe(e, t)));
                    }
                })
                .onSuccess(resp -> {
                    if (resp.statusCode() != 200) {
                        if (finished.compareAndSet(false, true)) {
                            vertx.cancelTimer(timer);
                            resp.request().reset();
                            result.fail(new Failure("HTTP " + resp.statusCode()));
                        }
                        return;
                    }
                    Body answer = new Body(resp.getHeader("Content-Length"), maxBytes);
                    resp.handler(chunk -> {
                        if (finished.get()) {
                            return;
                        }
                        if (answer.length() + chunk.length() > maxBytes) {
                            if (finished.compareAndSet(false, true)) {
                                vertx.cancelTimer(timer);
                                resp.request().reset();
                                result.fail(new Failure("bad payload: the answer exceeds " + maxBytes + " bytes"));
                            }
                            return;
                        }
                        answer.add(chunk);
                    });
                    resp.exceptionHandler(e -> {
                        if (finished.compareAndSet(false, true)) {
                            vertx.cancelTimer(timer);
                            result.fail(new Failure(describe(e, t)));
                        }
                    });
                    resp.endHandler(v -> {
                        if (finished.compareAndSet(false, true)) {
                            vertx.cancelTimer(timer);
                            result.complete(answer.buffer());
                        }
                    });
                });
        return result.future();
    }

    /**
     * An answer's body as its chunks come: the first kept as it is (a small answer often comes in
     * one), the others appended to a buffer made once at the length the answer announced. Growing a
     * buffer from nothing instead made 3–4 times the answer in copies: a quarter of what the poll
     * loop allocated at 5,000 agents (JFR). The announced length is believed only so far
     * ({@link #capacity}): an agent that announces the largest answer allowed and sends a few bytes
     * must not make the manager hold that much for it.
     */
    static final class Body {
        /** How far an announced length is believed beyond twice what arrived: a real answer's size. */
        static final int BELIEVED_BYTES = 256 * 1024;
        private final int announced;
        private Buffer first;
        private Buffer all;

        Body(String contentLength, int maxBytes) {
            int n = 0;
            if (contentLength != null) {
                try {
                    n = (int) Math.min(maxBytes, Math.max(0, Long.parseLong(contentLength.trim())));
                } catch (NumberFormatException e) {
                    n = 0;
                }
            }
            this.announced = n;
        }

        /** The buffer made once {@code received} bytes arrived in two chunks or more, for {@code announced} in all. */
        static int capacity(int announced, int received) {
            return Math.max(2 * received, Math.min(announced, BELIEVED_BYTES));
        }

        int length() {
            return all != null ? all.length() : first != null ? first.length() : 0;
        }

        void add(Buffer chunk) {
            if (all != null) {
                all.appendBuffer(chunk);
            } else if (first == null) {
                first = chunk;
            } else {
                all = Buffer.buffer(capacity(announced, first.length() + chunk.length()));
                all.appendBuffer(first).appendBuffer(chunk);
                first = null;
            }
        }

        Buffer buffer() {
            return all != null ? all : first != null ? first : Buffer.buffer();
        }
    }

    private static String describe(Throwable e, Target t) {
        String tlsFailure = ManagerTls.describe(e, t.name() + " at " + t.host() + ":" + t.port());
        if (tlsFailure != null) {
            return tlsFailure;
        }
        return io.federa.common.http.ClientFailures.describe(e, "the agent");
    }

    public Future<Void> close() {
        return client.close();
    }
}
