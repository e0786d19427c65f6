package io.federa.manager.poll;

/**
 * When an agent is polled next. Every agent is polled once per interval; within the interval, its
 * poll is placed just after the agent takes a new sample, so that what the manager shows is as
 * fresh as the agent can make it. An agent samples its host on its own cadence and says when
 * (SampleTimestampMillis); polling at a random point of the agent's cycle shows data that is on
 * average half an interval older than polling right after the sample, and up to a whole interval
 * older.
 *
 * <p>An agent serves a new sample some time after it is taken (reading libvirt for 1,000 VMs takes
 * 50–80 ms): a poll that still gets the previous sample moves that agent's polls later by the time
 * it was early plus a step, never by more than half an interval. Agent and manager clocks are
 * assumed to agree to within a few milliseconds (NTP); a transport whose sample time is the time
 * of the request (younger than {@link #AFTER_SAMPLE_MILLIS} / 2) keeps its cadence unaligned.
 *
 * <p>Pure arithmetic over wall-clock milliseconds; the caller owns the timers.
 */
final class PollSchedule {
    /** How long after the agent's sample its poll is placed, before any learned delay. */
    static final long AFTER_SAMPLE_MILLIS = 10;
    /** How much later than needed a poll moves when it was too early. */
    static final long STEP_MILLIS = 10;

    /**
     * The next turn of one agent.
     *
     * @param dueMillis     when the next poll is due (wall clock)
     * @param delayMillis   the learned delay between the agent's sample time and when it serves it
     * @param skipped       turns that passed while the last poll ran or waited, not to be made up for
     */
    record Turn(long dueMillis, long delayMillis, long skipped) {
    }

    private PollSchedule() {
    }

    /** The narrowest slot: turns are never moved later than this to share a wake-up. */
    static final long MIN_SLOT_MILLIS = 10;
    /**
     * How many polls one slot of a poll loop aims to start together: as many as 5,000 agents on two
     * loops have in slots of {@value #MIN_SLOT_MILLIS} ms, where a poll cost the event loops 90–105
     * µs; at 1,000 agents, with five polls a slot, it cost 130 µs (docs/benchmarks.md).
     */
    static final int POLLS_PER_SLOT = 25;

    /**
     * The width of the slots a poll loop rounds its turns up to, so that the agents due within one
     * slot start in one wake-up of its event loop: what gives about {@link #POLLS_PER_SLOT} polls a
     * slot (fewer when the loop's cap on polls at once is lower), between {@value #MIN_SLOT_MILLIS}
     * ms and a twentieth of the interval (50 ms at 1 s), the most a turn moves later for it.
     *
     * @param agents the loop's agents
     * @param cap    the loop's cap on polls at once
     */
    static long slotMillis(long intervalMillis, int agents, int cap) {
        long perSlot = Math.max(1, Math.min(POLLS_PER_SLOT, cap));
        long slot = intervalMillis * perSlot / Math.max(1, agents);
        return Math.max(MIN_SLOT_MILLIS, Math.min(intervalMillis / 20, slot));
    }

    /** When a turn due at {@code dueMillis} starts: at the end of the slot it falls in. */
    static long slotted(long dueMillis, long slotMillis) {
        return Math.floorDiv(dueMillis + slotMillis - 1, slotMillis) * slotMillis;
    }

    /** The first turn of agent {@code i} of {@code n}: spread evenly over the first interval. */
    static long first(long startMillis, long intervalMillis, int i, int n) {
        return startMillis + i * intervalMillis / Math.max(1, n);
    }

    /**
     * @param previousDue   when the poll that just finished was due
     * @param polledAt      when it was sent
     * @param now           now
     * @param sampledAt     the sample time of the answer, 0 after a failed poll
     * @param delayMillis   the delay learned so far for this agent
     */
    static Turn next(long previousDue, long intervalMillis, long polledAt, long now, long sampledAt, long delayMillis) {
        long next = previousDue + intervalMillis;
        long delay = delayMillis;
        long age = polledAt - sampledAt;
        if (sampledAt > 0 && age >= AFTER_SAMPLE_MILLIS / 2) {
            if (age > intervalMillis) {
                // The sample of sampledAt + interval was not served yet at polledAt: poll later.
                delay = Math.min(intervalMillis / 2, Math.max(delay, polledAt - (sampledAt + intervalMillis) + STEP_MILLIS));
            }
            long phase = Math.floorMod(sampledAt + delay + AFTER_SAMPLE_MILLIS, intervalMillis);
            long aligned = next - Math.floorMod(next - phase, intervalMillis);
            if (next - aligned > intervalMillis / 2) {
                aligned += intervalMillis;
            }
            next = aligned;
        }
        long skipped = 0;
        if (next <= now) {
            skipped = (now - next) / intervalMillis + 1;
            next += skipped * intervalMillis;
        }
        return new Turn(next, delay, skipped);
    }
}
