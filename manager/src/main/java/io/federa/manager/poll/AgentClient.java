package io.federa.manager.poll;

import io.vertx.core.Future;

/**
 * Asks one agent for its host and VMs, without blocking the caller. A failed future carries a
 * {@link PollFailure} whose message is the reason shown to operators (timeout, refused, 401,
 * bad payload: …).
 */
@FunctionalInterface
public interface AgentClient {
    Future<AgentReport> poll();
}
