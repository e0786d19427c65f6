package io.federa.manager.core.inventory;

import java.util.Objects;

/**
 * Whether an agent answers its polls. An agent that misses {@code missesAllowed} polls in a row
 * is UNREACHABLE, from the time of the first miss of that run and with the reason of the last one
 * (timeout, refused, 401, bad payload: …); its first good answer makes it REACHABLE again and
 * says since when. Pure and immutable: each poll gives the next value; time comes from outside.
 *
 * @param sinceMillis     when the current state began
 * @param firstMissMillis when the current run of misses began (0 when there is none)
 */
public record AgentHealth(State state, int consecutiveMisses, long sinceMillis, long firstMissMillis, String reason,
                          long lastSuccessMillis) {
    public enum State { UNKNOWN, REACHABLE, UNREACHABLE }

    public AgentHealth {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static AgentHealth initial(long nowMillis) {
        return new AgentHealth(State.UNKNOWN, 0, nowMillis, 0, "not polled yet", 0);
    }

    public AgentHealth success(long nowMillis) {
        long since = state == State.REACHABLE ? sinceMillis : nowMillis;
        return new AgentHealth(State.REACHABLE, 0, since, 0, "", nowMillis);
    }

    /** A missed poll; {@code missesAllowed} misses in a row make the agent UNREACHABLE. */
    public AgentHealth failure(long nowMillis, String why, int missesAllowed) {
        int misses = consecutiveMisses + 1;
        long firstMiss = consecutiveMisses == 0 ? nowMillis : firstMissMillis;
        if (misses >= missesAllowed) {
            long since = state == State.UNREACHABLE ? sinceMillis : firstMiss;
            return new AgentHealth(State.UNREACHABLE, misses, since, firstMiss, why, lastSuccessMillis);
        }
        return new AgentHealth(state, misses, sinceMillis, firstMiss, why, lastSuccessMillis);
    }
}
