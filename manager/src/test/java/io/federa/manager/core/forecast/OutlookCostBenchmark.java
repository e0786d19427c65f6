package io.federa.manager.core.forecast;

import io.federa.manager.core.cost.Usage;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What the hourly capacity forecast costs the manager (docs/benchmarks.md, "Capacity forecasts"):
 * {@link Outlook#of} over HOSTS hosts in 10 sites, each with 8 weeks of hours (the history the
 * forecast verticle reads), three resources each, as one forecast pass does it. Prints each run's
 * wall time on one thread and the heap it allocated. Run by bench/forecast-cost.sh.
 */
public final class OutlookCostBenchmark {
    private static final long T0 = 1_798_761_600_000L;
    private static final long HOUR = 3_600_000L;
    private static final long GIB = 1L << 30;

    private OutlookCostBenchmark() {
    }

    public static void main(String[] args) {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int hours = 56 * 24;
        Random random = new Random(42);
        List<Outlook.HostStep> history = new ArrayList<>(hosts * hours);
        Map<String, Outlook.Capacity> capacities = new HashMap<>();
        for (int h = 0; h < hosts; h++) {
            String host = "host-" + h;
            String site = "site-" + (h % 10);
            capacities.put(host, new Outlook.Capacity(host, site, 32, 4_000 * GIB, 1.25e9));
            double base = 4 + random.nextDouble() * 8;
            for (int i = 0; i < hours; i++) {
                double cpus = base * (1 + 0.5 * Math.sin(2 * Math.PI * (i % 24) / 24.0)) + random.nextGaussian();
                double gib = 1_000 + i * 0.2 + random.nextGaussian();
                long sent = (long) (5e8 * (1 + 0.3 * Math.sin(2 * Math.PI * (i % 24) / 24.0)) * 3_600);
                history.add(new Outlook.HostStep(host, site, T0 + i * HOUR,
                        new Usage((long) (Math.max(0, cpus) * 3_600e9), Math.max(0, gib), sent, sent / 1_000), 0));
            }
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        System.out.printf(Locale.ROOT, "%d hosts in 10 sites, %d hours each (%d host-hours), 3 resources: %d outlooks a pass%n",
                hosts, hours, history.size(), (hosts + 10) * 3);
        double[] seconds = new double[runs];
        for (int r = 0; r < runs; r++) {
            long allocated = threads.getCurrentThreadAllocatedBytes();
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            List<Outlook> out = Outlook.of(history, capacities, Duration.ofHours(1), Duration.ofDays(14));
            seconds[r] = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "run %d: %.2f s wall, %.2f s CPU, %.0f MiB allocated, %d outlooks%n", r + 1,
                    seconds[r], (threads.getCurrentThreadCpuTime() - cpu) / 1e9,
                    (threads.getCurrentThreadAllocatedBytes() - allocated) / 1048576.0, out.size());
        }
        double[] sorted = seconds.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "median %.2f s, min %.2f s, max %.2f s a pass (one an hour)%n", sorted[runs / 2],
                sorted[0], sorted[runs - 1]);
    }
}
