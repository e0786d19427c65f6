package io.federa.manager.core.availability;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A service's recorded state transitions, and the availability ratios derived from them: the
 * share of the time a window (the last hour, day, 30 days) during which the service was meant to
 * run and was not DOWN — a DEGRADED service still serves. Time STOPPED (never started, or stopped
 * on purpose) is not counted, nor is time before the first record: a service started a minute ago
 * is judged on that minute. Pure: the caller says what "now" is.
 */
public final class AvailabilityHistory {
    /** The service entered {@code state} at {@code atMillis}. */
    public record Transition(long atMillis, ServiceAvailability.State state) {
        public Transition {
            Objects.requireNonNull(state, "state");
        }
    }

    private final List<Transition> transitions;

    /** @param transitions in time order; a transition to the state already held is ignored */
    public AvailabilityHistory(List<Transition> transitions) {
        List<Transition> clean = new ArrayList<>();
        for (Transition t : transitions) {
            if (!clean.isEmpty()) {
                Transition last = clean.get(clean.size() - 1);
                if (t.atMillis() < last.atMillis()) {
                    throw new IllegalArgumentException("transitions out of time order: " + last + " then " + t);
                }
                if (t.state() == last.state()) {
                    continue;
                }
            }
            clean.add(t);
        }
        this.transitions = List.copyOf(clean);
    }

    public List<Transition> transitions() {
        return transitions;
    }

    /**
     * The share (0–1) of the time in [now − window, now] the service was meant to run during which
     * it was not DOWN; 1 when it was meant to run for none of it (or nothing is known yet).
     */
    public double ratio(long nowMillis, long windowMillis) {
        long from = nowMillis - windowMillis;
        long counted = 0;
        long serving = 0;
        for (int i = 0; i < transitions.size(); i++) {
            Transition t = transitions.get(i);
            long start = Math.max(t.atMillis(), from);
            long end = i + 1 < transitions.size() ? Math.min(transitions.get(i + 1).atMillis(), nowMillis) : nowMillis;
            if (end <= start || t.state() == ServiceAvailability.State.STOPPED) {
                continue;
            }
            counted += end - start;
            if (t.state() != ServiceAvailability.State.DOWN) {
                serving += end - start;
            }
        }
        return counted == 0 ? 1.0 : (double) serving / counted;
    }
}
