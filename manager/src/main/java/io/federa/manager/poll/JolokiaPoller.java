package io.federa.manager.poll;

import io.federa.manager.agent.JolokiaClient;
import io.federa.manager.tls.ManagerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Polls one agent's Jolokia with the manager's bulk read, through the manager's one
 * {@link JolokiaClient}: its deadline for the whole answer and its cap on the answer's size, and
 * its failures as the reasons a poll reports ("timeout after 2000 ms", "connection refused",
 * "HTTP 401", "bad payload: …").
 */
public final class JolokiaPoller {
    private final JolokiaClient client;
    private final long deadlineMillis;
    private final int maxBodyBytes;

    /**
     * Connections kept per agent. One poll runs per agent at a time; the second connection serves
     * a poll that begins while the connection of one given up at its deadline is still being
     * closed. The fleet-wide cap on polls at once is the poll loop's.
     */
    static final int CONNECTIONS_PER_AGENT = 2;

    public JolokiaPoller(Vertx vertx, int connectTimeoutMillis, long deadlineMillis, int maxBodyBytes) {
        this(vertx, connectTimeoutMillis, deadlineMillis, maxBodyBytes, java.util.Optional.empty());
    }

    /**
     * @param tls when given, agents are polled over TLS only, and one whose certificate is not the
     *            one pinned is asked nothing
     */
    public JolokiaPoller(Vertx vertx, int connectTimeoutMillis, long deadlineMillis, int maxBodyBytes,
                         java.util.Optional<ManagerTls> tls) {
        this.deadlineMillis = deadlineMillis;
        this.maxBodyBytes = maxBodyBytes;
        this.client = new JolokiaClient(vertx, connectTimeoutMillis, CONNECTIONS_PER_AGENT, tls);
    }

    /**
     * A client for one agent, which reads each answer against the agent's previous one (see
     * {@link JolokiaPollParser#parse(byte[], AgentReport)}). One poll at a time, on one event loop.
     */
    public AgentClient client(JolokiaClient.Target t) {
        return new AgentClient() {
            private AgentReport last;

            @Override
            public Future<AgentReport> poll(String request, long deadlineMillis) {
                return JolokiaPoller.this.poll(t, request, deadlineMillis, last).onSuccess(r -> last = r);
            }
        };
    }

    public Future<AgentReport> poll(JolokiaClient.Target t) {
        return poll(t, JolokiaPollParser.POLL);
    }

    /** Polls with the given bulk request (the plain poll, or one that also renews the lease). */
    public Future<AgentReport> poll(JolokiaClient.Target t, String request) {
        return poll(t, request, deadlineMillis);
    }

    /** The same, with a deadline of its own for this answer. */
    public Future<AgentReport> poll(JolokiaClient.Target t, String request, long deadlineMillis) {
        return poll(t, request, deadlineMillis, null);
    }

    private Future<AgentReport> poll(JolokiaClient.Target t, String request, long deadlineMillis, AgentReport previous) {
        return client.post(t, request, deadlineMillis, maxBodyBytes)
                .recover(e -> Future.failedFuture(new PollFailure(e.getMessage())))
                .compose(body -> {
                    try {
                        return Future.succeededFuture(JolokiaPollParser.parse(body, previous));
                    } catch (BadPayloadException e) {
                        return Future.failedFuture(new PollFailure("bad payload: " + e.getMessage()));
                    }
                });
    }

    public Future<Void> close() {
        return client.close();
    }
}
