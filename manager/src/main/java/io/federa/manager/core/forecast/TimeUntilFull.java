package io.federa.manager.core.forecast;

import java.time.Duration;
import java.util.Optional;

/**
 * When a forecast path first reaches a capacity. Pure: the path is handed in (the point forecast,
 * or an interval's upper bound for a cautious answer), and so is its step.
 */
public final class TimeUntilFull {
    private TimeUntilFull() {
    }

    /**
     * The time from the end of the history to the first step whose value reaches
     * {@code capacity} ({@code path[0]} is one step ahead, so an answer is a whole number of
     * steps, at least one), or empty when the path stays below it to its end. A NaN on the path
     * is not a crossing.
     */
    public static Optional<Duration> of(double[] path, Duration step, double capacity) {
        if (step == null || step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("the step must be positive, was " + step);
        }
        if (Double.isNaN(capacity)) {
            throw new IllegalArgumentException("the capacity is NaN");
        }
        for (int i = 0; i < path.length; i++) {
            if (path[i] >= capacity) {
                return Optional.of(step.multipliedBy(i + 1L));
            }
        }
        return Optional.empty();
    }

    /** {@link #of} on the point forecast. */
    public static Optional<Duration> atPoint(Forecast forecast, double capacity) {
        return of(forecast.points(), forecast.step(), capacity);
    }

    /** {@link #of} on the upper bound of the interval at {@code level}: the earliest plausible. */
    public static Optional<Duration> atUpper(Forecast forecast, double level, double capacity) {
        return of(forecast.uppers(level), forecast.step(), capacity);
    }
}
