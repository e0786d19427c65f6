package io.federa.common.clock;

import java.time.Duration;
import java.time.Instant;

/**
 * This process's wall clock, the manager's or an agent's: the system's, moved by
 * {@code -Dfedera.clockOffset} (a duration such as {@code 250ms} or {@code -500ms}; none by
 * default). Every wall-clock time a Federa process reads — leadership claims, lease statements and
 * the latest time a renewal may grant a lease to, the lease ledger, events — comes from here, so
 * that a test can give one process a clock that is off by a known amount, the way a host whose
 * NTP drifted would be. Intervals are measured with {@link System#nanoTime()}, which no offset
 * touches (a skewed clock still ticks at the same rate).
 */
public final class WallClock {
    /** The system property that moves this process's clock. */
    public static final String OFFSET_PROPERTY = "federa.clockOffset";
    /** Read when the clock is first read: a program checks the property with {@link #offsetWarning} first. */
    private static final class Offset {
        static final long MILLIS = parse(System.getProperty(OFFSET_PROPERTY, ""));
    }

    private WallClock() {
    }

    /** Now, in milliseconds since the epoch, on this process's clock. */
    public static long millis() {
        return System.currentTimeMillis() + Offset.MILLIS;
    }

    public static Instant now() {
        return Instant.ofEpochMilli(millis());
    }

    /** The offset in effect, in milliseconds (0 unless the property says otherwise). */
    public static long offsetMillis() {
        return Offset.MILLIS;
    }

    /**
     * What a program says at start of its clock: empty when it is the system's, else a warning
     * that it is moved for testing only.
     *
     * @param whose "this manager's", "this agent's"
     * @throws IllegalArgumentException when the property is not a duration, saying what was expected
     */
    public static java.util.Optional<String> offsetWarning(String whose) {
        long offset = parse(System.getProperty(OFFSET_PROPERTY, ""));
        return offset == 0 ? java.util.Optional.empty() : java.util.Optional.of(whose + " clock runs " + offset
                + " ms off the system's (-D" + OFFSET_PROPERTY + "): for testing the tolerance to clock skew only");
    }

    static long parse(String value) {
        String v = value.trim();
        if (v.isEmpty()) {
            return 0;
        }
        boolean negative = v.startsWith("-");
        String magnitude = negative || v.startsWith("+") ? v.substring(1) : v;
        long millis;
        try {
            if (magnitude.endsWith("ms")) {
                millis = Long.parseLong(magnitude.substring(0, magnitude.length() - 2));
            } else if (magnitude.endsWith("s")) {
                millis = Duration.ofSeconds(Long.parseLong(magnitude.substring(0, magnitude.length() - 1))).toMillis();
            } else {
                throw new NumberFormatException("no unit");
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + OFFSET_PROPERTY + "=" + value
                    + ": expected a duration with its unit, such as 250ms, -500ms or 1s");
        }
        return negative ? -millis : millis;
    }
}
