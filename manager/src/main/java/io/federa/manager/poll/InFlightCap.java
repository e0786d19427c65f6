package io.federa.manager.poll;

/**
 * How many polls one poll loop runs at once, as it learns what it can take: a timeout or an
 * answer slower than half an interval lowers the cap by a quarter (at most once a quarter
 * interval, so that one burst of slow answers counts once), each quick answer (under a quarter
 * interval) raises it by one over the cap — one a round of quick answers — never above the
 * configured share nor below {@link #MIN} (or the share, if smaller). Additive increase,
 * multiplicative decrease, as TCP does with its window: polls at once beyond what the event loop
 * and the agents can answer within the interval only turn answers into timeouts. Pure; one loop's.
 */
final class InFlightCap {
    static final int MIN = 4;
    private final int configured;
    private final long intervalMillis;
    private double cap;
    private long lastDecrease = Long.MIN_VALUE / 2;

    InFlightCap(int configured, long intervalMillis) {
        this.configured = configured;
        this.intervalMillis = intervalMillis;
        this.cap = configured;
    }

    /** A poll ended: after {@code tookMillis}, timed out or not, with an answer or not. */
    void ended(long tookMillis, boolean timedOut, boolean answered, long nowMillis) {
        if (timedOut || tookMillis > intervalMillis / 2) {
            if (nowMillis - lastDecrease >= intervalMillis / 4) {
                cap = Math.max(Math.min(MIN, configured), cap * 0.75);
                lastDecrease = nowMillis;
            }
        } else if (answered && tookMillis < intervalMillis / 4) {
            cap = Math.min(configured, cap + 1 / cap);
        }
    }

    /** Polls this loop may run at once now. */
    int limit() {
        return (int) cap;
    }
}
