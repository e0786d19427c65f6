package io.federa.manager.core.forecast;

import java.time.Duration;
import java.util.Random;

/**
 * Generated series, 5-minute steps from a Monday at midnight: a shape's trend, daily and weekly
 * pattern, and Gaussian noise from a seeded {@link Random}, so that a run can be replayed.
 */
final class Traces {
    static final Duration STEP = Duration.ofMinutes(5);
    static final int PER_DAY = 288;
    static final int PER_WEEK = 7 * PER_DAY;

    private Traces() {
    }

    /** The shapes the accuracy is measured on. */
    enum Shape {
        /**
         * CPU-seconds per step of a VM that serves office hours: about 100 at night, a peak near
         * 14:00 that adds 60 on weekdays and 15 at weekends, 2 % growth a week, noise σ 4.
         */
        CPU {
            @Override
            double mean(int t) {
                double growth = 1 + 0.02 * t / PER_WEEK;
                return 100 * growth + peak(t, 14) * (weekend(t) ? 15 : 60);
            }

            @Override
            double noise() {
                return 4;
            }
        },
        /**
         * GiB allocated on a host's storage: 500 growing 3 a day, a nightly backup holding 4 more
         * from 01:00 to 05:00 (and 8 on Sundays, the full backup), noise σ 0.5.
         */
        STORAGE {
            @Override
            double mean(int t) {
                int minute = (t % PER_DAY) * 5;
                boolean backup = minute >= 60 && minute < 300;
                return 500 + 3.0 * t / PER_DAY + (backup ? (day(t) == 6 ? 8 : 4) : 0);
            }

            @Override
            double noise() {
                return 0.5;
            }
        },
        /**
         * MB sent per step: 60 with a daily swing of ±25 (peak in the evening), 20 % less at
         * weekends, and noise σ 8 (some 13 % of the level), never below 1.
         */
        NETWORK {
            @Override
            double mean(int t) {
                double hour = (t % PER_DAY) / 12.0;
                double swing = 25 * Math.sin(2 * Math.PI * (hour - 14) / 24);
                return (60 + swing) * (weekend(t) ? 0.8 : 1.0);
            }

            @Override
            double noise() {
                return 8;
            }

            @Override
            double floor() {
                return 1;
            }
        };

        abstract double mean(int t);

        abstract double noise();

        double floor() {
            return Double.NEGATIVE_INFINITY;
        }
    }

    /** {@code steps} values of {@code shape}, noise drawn from {@code seed}. */
    static double[] generate(Shape shape, long seed, int steps) {
        Random random = new Random(seed);
        double[] y = new double[steps];
        for (int t = 0; t < steps; t++) {
            y[t] = Math.max(shape.floor(), shape.mean(t) + shape.noise() * random.nextGaussian());
        }
        return y;
    }

    /** The first {@code steps} values of {@code shape} without noise. */
    static double[] mean(Shape shape, int steps) {
        double[] m = new double[steps];
        for (int t = 0; t < steps; t++) {
            m[t] = shape.mean(t);
        }
        return m;
    }

    /** 0 Monday … 6 Sunday. */
    static int day(int t) {
        return (t / PER_DAY) % 7;
    }

    static boolean weekend(int t) {
        return day(t) >= 5;
    }

    /** A bell of some three hours' width around {@code hour} o'clock, 1 at its top. */
    static double peak(int t, double hour) {
        double h = (t % PER_DAY) / 12.0;
        double d = (h - hour) / 3.0;
        return Math.exp(-d * d);
    }
}
