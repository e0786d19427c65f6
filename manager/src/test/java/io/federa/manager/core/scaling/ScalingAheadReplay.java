package io.federa.manager.core.scaling;

import io.federa.manager.core.forecast.Outlook;
import io.federa.manager.core.forecast.Peak;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.ScalingPolicy;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.TreeMap;

/**
 * Replays a generated week of an application's load with a daily peak through the forecast and the
 * evaluator exactly as the manager chains them (docs/benchmarks.md, "Scaling ahead"): every 5
 * minutes the forecast of the CPUs busy, from what was seen before, and its 80 % upper bound within
 * {@code ahead}; every minute the evaluator with the load of the instances running. An instance
 * decided runs {@link #START_MINUTES} later. For each peak it tells whether the instances needed at
 * the moment the load crosses {@code scaleOutAbove} (on the instances running before the peak)
 * were RUNNING by then — at least one instance beyond the two of the night — and counts the instances
 * added ahead that the load never needed.
 *
 * <p>The trace: a base of 0.6 CPUs busy with noise σ 0.1, and each day a peak starting between
 * 08:45 and 09:15 (uniform) that ramps over 10 minutes to 2.6–3.4 CPUs, holds 60–120 minutes and
 * ramps down over 20; the application has 1 vCPU an instance, scales out above 0.75 and in below
 * 0.25 on a minimum of 2 (the base fits 2 and falls back to them at night, the peak needs 4–5).
 */
public final class ScalingAheadReplay {
    /** Minutes from a decision to its instance running (placement, start, boot). */
    static final int START_MINUTES = 2;

    /** What one replay found. */
    /** @param meanLeadMinutes from the day's first instance added ahead to the crossing, over the peaks ready */
    public record Result(int peaks, int ready, int added, int unneeded, double meanLeadMinutes) {
    }

    private ScalingAheadReplay() {
    }

    /** CPUs busy, minute by minute, over {@code days} days. */
    static double[] trace(long seed, int days) {
        Random r = new Random(seed);
        double[] cpus = new double[days * 1_440];
        for (int d = 0; d < days; d++) {
            int start = 8 * 60 + 45 + r.nextInt(31);
            double height = 2.0 + r.nextDouble() * 0.8;
            int hold = 60 + r.nextInt(61);
            for (int m = 0; m < 1_440; m++) {
                double peak = 0;
                int since = m - start;
                if (since >= 0 && since < 10) {
                    peak = height * (since + 1) / 10.0;
                } else if (since >= 10 && since < 10 + hold) {
                    peak = height;
                } else if (since >= 10 + hold && since < 30 + hold) {
                    peak = height * (30 + hold - since) / 20.0;
                }
                cpus[d * 1_440 + m] = Math.max(0, 0.6 + peak + r.nextGaussian() * 0.1);
            }
        }
        return cpus;
    }

    static ApplicationSpec app(ApplicationSpec template, Duration ahead) {
        ScalingPolicy p = new ScalingPolicy(ScalingPolicy.Metric.CPU_LOAD, 0.75, 0.25, Duration.ofSeconds(30), 2, 8,
                Duration.ofSeconds(60), Duration.ofMinutes(5), ahead);
        return new ApplicationSpec(template.name(), template.runtime(), new io.federa.manager.core.spec.Resources(1,
                template.resources().memoryMiB(), template.resources().diskGiB(), template.resources().networkMbps()),
                2, 1, template.dependsOn(), template.placement(), java.util.Optional.of(p), template.data());
    }

    /**
     * Replays {@code days} days (the first {@code historyDays} only fill the history) of the trace
     * of {@code seed} through an application scaling {@code ahead} (ZERO: the rule alone).
     */
    public static Result replay(ApplicationSpec template, long seed, int days, int historyDays, Duration ahead) {
        ApplicationSpec app = app(template, ahead);
        double[] cpus = trace(seed, days);
        long t0 = 1_798_761_600_000L;
        long step = Duration.ofMinutes(5).toMillis();
        TreeMap<Long, Double> history = new TreeMap<>();
        ScalingState state = ScalingState.initial(2);
        int running = 2;
        int[] arrivals = new int[cpus.length + START_MINUTES + 1];
        java.util.Optional<Expected> expected = java.util.Optional.empty();
        int peaks = 0;
        int ready = 0;
        int added = 0;
        int unneeded = 0;
        double lead = 0;
        int readyCounted = 0;
        int firstAheadToday = -1;
        for (int m = 0; m < cpus.length; m++) {
            running += arrivals[m];
            long now = t0 + m * 60_000L;
            if (m % 5 == 0 && m > 0) {
                // The step that just ended, as the stored minutes give it.
                double sum = 0;
                for (int i = m - 5; i < m; i++) {
                    sum += cpus[i];
                }
                history.put(now - step, sum / 5);
                if (!ahead.isZero()) {
                    long last = now - step;
                    expected = Peak.within(history, last, Duration.ofMinutes(5), ahead.plusMillis(now - (last + step)),
                            Outlook.LEVEL).map(p -> new Expected(p.value(), p.atMillis()));
                }
            }
            OptionalDouble load = OptionalDouble.of(Math.min(1, cpus[m] / running));
            ScalingEvaluator.Result r = ScalingEvaluator.evaluate("shop", app, state, load, expected, now);
            state = r.state();
            if (r.decision().isPresent()) {
                ScalingDecision d = r.decision().get();
                if (d.scaleOut()) {
                    arrivals[Math.min(arrivals.length - 1, m + START_MINUTES)]++;
                    if (m >= historyDays * 1_440 && d.why().startsWith("forecast")) {
                        added++;
                        if (firstAheadToday < 0) {
                            firstAheadToday = m;
                        }
                        // Needed if, within ahead and a quarter of an hour after, the load on one fewer passes the threshold.
                        boolean needed = false;
                        long window = ahead.toMinutes() + 15;
                        for (int i = m; i < Math.min(cpus.length, m + window); i++) {
                            if (cpus[i] / d.from() > 0.75) {
                                needed = true;
                                break;
                            }
                        }
                        if (!needed) {
                            unneeded++;
                        }
                    }
                } else {
                    running--;
                }
            }
            // A peak's crossing: the first minute of the day past 08:00 whose load on 2 instances passes 0.75.
            int day = m / 1_440;
            int minute = m % 1_440;
            if (minute == 0) {
                firstAheadToday = -1;
            }
            if (day >= historyDays && minute >= 8 * 60 && readyCounted <= day && cpus[m] / 2 > 0.75) {
                readyCounted = day + 1;
                peaks++;
                // Ready: an instance beyond the two was RUNNING when the load crossed.
                if (running > 2) {
                    ready++;
                    lead += firstAheadToday >= 0 ? m - firstAheadToday : 0;
                }
            }
        }
        return new Result(peaks, ready, added, unneeded, ready == 0 ? 0 : lead / ready);
    }

    /** {@code SEEDS [DAYS [AHEAD_MINUTES]]}: each seed's replay with ahead (default 15m), beside the rule alone. */
    public static void main(String[] args) throws Exception {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Duration ahead = Duration.ofMinutes(args.length > 2 ? Integer.parseInt(args[2]) : 15);
        java.nio.file.Path root = java.nio.file.Path.of(System.getProperty("federa.root", ".")).toAbsolutePath().normalize();
        ApplicationSpec web = io.federa.manager.spec.CatalogYaml.parse(java.nio.file.Files.readString(
                root.resolve("examples/shop.yaml"))).catalog().orElseThrow().applications().get("web");
        int peaks = 0;
        int readyAhead = 0;
        int readyRule = 0;
        int added = 0;
        int unneeded = 0;
        for (long seed = 1; seed <= seeds; seed++) {
            Result a = replay(web, seed, days, 3, ahead);
            Result b = replay(web, seed, days, 3, Duration.ZERO);
            System.out.printf(Locale.ROOT, "seed %2d: %d peaks; ahead %d min ready at %d (lead %.1f min), %d added ahead, "
                    + "%d not needed; rule alone ready at %d%n", seed, a.peaks(), ahead.toMinutes(), a.ready(),
                    a.meanLeadMinutes(), a.added(), a.unneeded(), b.ready());
            peaks += a.peaks();
            readyAhead += a.ready();
            readyRule += b.ready();
            added += a.added();
            unneeded += a.unneeded();
        }
        System.out.printf(Locale.ROOT, "all: %d peaks; with ahead %d min %d ready before the crossing (%.0f %%), %d instances "
                + "added ahead of which %d not needed; the rule alone %d ready (%.0f %%)%n", peaks, ahead.toMinutes(), readyAhead,
                100.0 * readyAhead / peaks, added, unneeded, readyRule, 100.0 * readyRule / peaks);
    }
}
