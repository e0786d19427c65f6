package io.federa.manager.core.forecast;

import java.time.Duration;

/**
 * One regularly sampled series: a value per step (CPU-seconds used in the step, GiB allocated at
 * its end, bytes sent), oldest first. A missing sample is {@link Double#NaN}: a gap the model
 * steps over rather than a zero it would learn from.
 */
public final class Series {
    private final Duration step;
    private final double[] values;

    private Series(Duration step, double[] values) {
        this.step = step;
        this.values = values;
    }

    /**
     * A series of {@code values}, one every {@code step}, copied.
     *
     * @throws IllegalArgumentException when the step is not positive, there is no value, or a
     *                                  value is infinite; each message names the problem
     */
    public static Series of(Duration step, double... values) {
        if (step == null || step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("the step must be positive, was " + step);
        }
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("the history is empty: a forecast needs at least one value");
        }
        for (int i = 0; i < values.length; i++) {
            if (Double.isInfinite(values[i])) {
                throw new IllegalArgumentException("value " + i + " of the history is infinite");
            }
        }
        return new Series(step, values.clone());
    }

    public Duration step() {
        return step;
    }

    public int size() {
        return values.length;
    }

    /** The value at {@code index} (0 is the oldest), NaN for a gap. */
    public double value(int index) {
        return values[index];
    }

    /** How many values are not gaps. */
    public int observed() {
        int n = 0;
        for (double v : values) {
            if (!Double.isNaN(v)) {
                n++;
            }
        }
        return n;
    }

    /**
     * How many steps make one {@code period} (a day, a week), or 0 when the step does not divide
     * it: a season is only modelled when each of its phases falls on a step.
     */
    public int stepsPer(Duration period) {
        long stepNanos = step.toNanos();
        long periodNanos = period.toNanos();
        return periodNanos % stepNanos == 0 ? (int) Math.min(Integer.MAX_VALUE, periodNanos / stepNanos) : 0;
    }

    /** The values, copied. */
    public double[] values() {
        return values.clone();
    }

    double[] valuesUnsafe() {
        return values;
    }

    @Override
    public String toString() {
        return "Series[step=" + step + ", " + values.length + " values, " + observed() + " observed]";
    }
}
