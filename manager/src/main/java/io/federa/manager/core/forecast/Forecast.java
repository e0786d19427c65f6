package io.federa.manager.core.forecast;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A forecast of one series: for each step ahead (index 0 is one step after the last value of the
 * history), the point forecast and, for each nominal level (0.8 for an 80 % interval), the lower
 * and upper bounds of the prediction interval. Immutable; the arrays handed out are copies.
 */
public final class Forecast {
    private final Duration step;
    private final double[] point;
    private final double[] levels;
    private final double[][] lower;
    private final double[][] upper;

    Forecast(Duration step, double[] point, double[] levels, double[][] lower, double[][] upper) {
        this.step = step;
        this.point = point;
        this.levels = levels;
        this.lower = lower;
        this.upper = upper;
    }

    public Duration step() {
        return step;
    }

    /** How many steps ahead this forecast reaches. */
    public int horizon() {
        return point.length;
    }

    /** The nominal levels of the intervals, as asked for (0.8, 0.95). */
    public List<Double> levels() {
        return Arrays.stream(levels).boxed().toList();
    }

    /** The point forecast {@code stepsAhead} steps after the history (1 is the next step). */
    public double point(int stepsAhead) {
        return point[index(stepsAhead)];
    }

    public double lower(double level, int stepsAhead) {
        return lower[level(level)][index(stepsAhead)];
    }

    public double upper(double level, int stepsAhead) {
        return upper[level(level)][index(stepsAhead)];
    }

    /** The point forecasts, one per step ahead. */
    public double[] points() {
        return point.clone();
    }

    public double[] lowers(double level) {
        return lower[level(level)].clone();
    }

    public double[] uppers(double level) {
        return upper[level(level)].clone();
    }

    private int index(int stepsAhead) {
        if (stepsAhead < 1 || stepsAhead > point.length) {
            throw new IllegalArgumentException("steps ahead must be within 1.." + point.length + ", was " + stepsAhead);
        }
        return stepsAhead - 1;
    }

    private int level(double level) {
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] == level) {
                return i;
            }
        }
        throw new IllegalArgumentException("no interval at level " + level + "; this forecast has " + levels());
    }

    @Override
    public String toString() {
        return "Forecast[step=" + step + ", horizon=" + point.length + ", levels=" + levels() + "]";
    }
}
