package io.federa.manager.core.events;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many events of one kind the manager records: at most {@code perSecond} a second on average,
 * in bursts of up to {@code burst} (a token bucket per kind). A flood — thousands of alerts for a
 * service that does not exist, a fleet of ten thousand agents coming up at once — costs the store,
 * the log and the reader of {@code federa events} a bounded amount; what it dropped is counted per
 * kind and said in one event when the flood ends. Service state transitions are not events and
 * never pass through here: availability is computed from every one of them. Pure: times are given.
 * Not thread-safe: one owner (the history's event loop).
 */
public final class EventBudget {
    /** The kind of the event that says how many of another kind were dropped. */
    public static final String DROPPED = "events.dropped";

    private final double perMilli;
    private final double burst;
    private final Map<String, double[]> buckets = new LinkedHashMap<>();
    private final Map<String, Long> droppedUnsaid = new LinkedHashMap<>();
    private final Map<String, Long> droppedTotal = new LinkedHashMap<>();

    public EventBudget(double perSecond, int burst) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("an event budget needs a positive rate and burst, got " + perSecond + "/s, " + burst);
        }
        this.perMilli = perSecond / 1000;
        this.burst = burst;
    }

    /**
     * The events to record out of {@code events}: each admitted one, preceded, when its kind has
     * just come out of a flood, by an event saying how many of that kind were dropped.
     */
    public List<Event> admit(List<Event> events, long nowMillis) {
        List<Event> out = new ArrayList<>(events.size());
        for (Event e : events) {
            double[] b = buckets.computeIfAbsent(e.kind(), k -> new double[] {burst, nowMillis});
            b[0] = Math.min(burst, b[0] + Math.max(0, nowMillis - (long) b[1]) * perMilli);
            b[1] = nowMillis;
            if (b[0] < 1) {
                droppedUnsaid.merge(e.kind(), 1L, Long::sum);
                droppedTotal.merge(e.kind(), 1L, Long::sum);
                continue;
            }
            b[0] -= 1;
            Long unsaid = droppedUnsaid.remove(e.kind());
            if (unsaid != null) {
                out.add(new Event(nowMillis, Event.Severity.WARNING, DROPPED, e.kind(), unsaid + " " + e.kind()
                        + " events were dropped: more than " + Math.round(perMilli * 1000) + " a second (bursts of "
                        + Math.round(burst) + ")"));
            }
            out.add(e);
        }
        return out;
    }

    /** Events dropped since the start, by kind. */
    public Map<String, Long> dropped() {
        return Map.copyOf(droppedTotal);
    }
}
