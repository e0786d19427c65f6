package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The placement engine's cost in thread CPU time per operation, over {@link PlacementBenchmark}'s
 * inventory and request: {@code place}, {@code planHundred} (per placement) and {@code placeFirst},
 * each as the median and quartiles of 30 rounds after 10 warm-up rounds. Thread CPU time does not
 * count the time the thread waits for a core, so on a machine shared with other work it moves far
 * less than JMH's wall-clock figures (docs/benchmarks.md). Run from the manager's test classpath:
 * {@code java -cp … io.federa.manager.core.placement.PlacementCpuTime 1000,10000}.
 */
public class PlacementCpuTime {
    static final ThreadMXBean T = ManagementFactory.getThreadMXBean();
    static Object sink;

    interface Op { Object run(int k); }

    static double[] measure(Op op, int opsPerRound, int rounds) {
        double[] r = new double[rounds];
        for (int x = 0; x < rounds; x++) {
            long c0 = T.getCurrentThreadCpuTime();
            for (int k = 0; k < opsPerRound; k++) {
                sink = op.run(k);
            }
            r[x] = (T.getCurrentThreadCpuTime() - c0) / (double) opsPerRound;
        }
        return r;
    }

    static String report(String name, int hosts, double[] r) {
        double[] s = r.clone();
        Arrays.sort(s);
        return String.format("%-12s hosts=%-6d median %10.2f us/op  p25 %10.2f  p75 %10.2f  (cpu, %d rounds)",
                name, hosts, s[s.length / 2] / 1000, s[s.length / 4] / 1000, s[3 * s.length / 4] / 1000, s.length);
    }

    public static void main(String[] a) {
        for (String hs : a[0].split(",")) {
            int hosts = Integer.parseInt(hs);
            Catalog catalog = PlacementBenchmark.catalog();
            InventorySnapshot snapshot = PlacementBenchmark.inventory(hosts, 42);
            PlacementConfig cfg = new PlacementConfig(2.0, Strategy.SPREAD, 7, 1.0);
            Placement p = Placement.of(snapshot, PlacementBenchmark.cordoned(hosts), catalog, cfg);
            PlacementRequest[] req = new PlacementRequest[1024];
            for (int k = 0; k < req.length; k++) {
                req[k] = new PlacementRequest("web", "web-new-" + k);
            }
            List<PlacementRequest> hundred = new ArrayList<>();
            for (int k = 0; k < 100; k++) {
                hundred.add(new PlacementRequest("web", "web-plan-" + k));
            }
            int scale = 10_000 / hosts;
            Op place = k -> p.place(req[k & 1023]);
            Op plan = k -> p.plan(hundred);
            Op first = k -> p.with(cfg).place(req[k & 1023]);
            // warm-up
            measure(place, 2000 * scale, 10);
            measure(plan, 20 * scale, 10);
            measure(first, 200 * scale, 10);
            System.out.println(report("place", hosts, measure(place, 2000 * scale, 30)));
            double[] pl = measure(plan, 20 * scale, 30);
            for (int i = 0; i < pl.length; i++) {
                pl[i] /= 100;
            }
            System.out.println(report("planHundred", hosts, pl));
            System.out.println(report("placeFirst", hosts, measure(first, 200 * scale, 30)));
        }
    }
}
