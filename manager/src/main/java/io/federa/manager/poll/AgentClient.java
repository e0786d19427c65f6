package io.federa.manager.poll;

import io.vertx.core.Future;

/**
 * Asks one agent for its host and VMs, without blocking the caller. A failed future carries a
 * {@link PollFailure} whose message is the reason shown to operators (timeout, refused, 401,
 * bad payload: …).
 */
@FunctionalInterface
public interface AgentClient {
    /**
     * @param request the Jolokia bulk request to send (the plain read, or one that also renews the
     *                lease); transports that have no such request ignore it
     * @param deadlineMillis how long the whole answer may take; a transport with its own retries
     *                       and deadline (SNMP) keeps its own
     */
    Future<AgentReport> poll(String request, long deadlineMillis);
}
