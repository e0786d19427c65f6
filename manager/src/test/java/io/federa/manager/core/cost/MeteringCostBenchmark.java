package io.federa.manager.core.cost;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What metering costs the manager per poll (docs/benchmarks.md, "Metering"): each host's new
 * sample through the {@link Meter} into the minute {@link Ledger}, and the spending published from
 * each host's latest interval ({@link Spending}), as the cost verticle does once a poll interval —
 * HOSTS hosts of VMS_PER_HOST VMs (10 applications). The store is not included. Prints the time
 * of each of SAMPLES warm samples on one thread, their median and spread, and the share of a core
 * at one sample a second. Run by bench/metering-cost.sh.
 */
public final class MeteringCostBenchmark {
    private MeteringCostBenchmark() {
    }

    public static void main(String[] args) {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int perHost = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        int warmup = 30;
        Rates rates = new Rates("EUR", 0.000014, 0.00014, 0.02, 0.0000001);
        Meter meter = new Meter(30_000);
        Ledger ledger = new Ledger(Resolution.MINUTE.millis);
        Shares shares = Shares.of(null, java.util.Map.of());
        List<HostInterval> latest = new ArrayList<>(hosts);
        double[] millis = new double[samples];
        long t0 = 1_798_761_600_000L;
        for (int s = 0; s < warmup + samples; s++) {
            long at = t0 + s * 1_000L;
            List<HostStatus> hs = new ArrayList<>(hosts);
            List<List<VmStatus>> vms = new ArrayList<>(hosts);
            for (int h = 0; h < hosts; h++) {
                String host = "host-" + h;
                hs.add(CostSamples.host(host, "site-" + (h % 10), 32, 4_000 * CostSamples.GIB, rates, at));
                List<VmStatus> mine = new ArrayList<>(perHost);
                for (int v = 0; v < perHost; v++) {
                    mine.add(CostSamples.vm(host + "-vm-" + v, host, "application-" + v, 20 * CostSamples.GIB,
                            s * 500_000_000L, s * 10_000L, s * 10L));
                }
                vms.add(mine);
            }
            long start = System.nanoTime();
            latest.clear();
            for (int h = 0; h < hosts; h++) {
                meter.observe(hs.get(h), vms.get(h)).ifPresent(i -> {
                    ledger.add(i);
                    if (i.kind() == HostInterval.Kind.METERED) {
                        latest.add(i);
                    }
                });
            }
            Spending spending = Spending.of(latest, shares);
            ledger.closeBefore(at - 120_000);
            long took = System.nanoTime() - start;
            if (spending.services().isEmpty() && s > 0) {
                throw new IllegalStateException("nothing was metered");
            }
            if (s >= warmup) {
                millis[s - warmup] = took / 1e6;
            }
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        double median = sorted[samples / 2];
        System.out.printf(Locale.ROOT, "%d hosts × %d VMs (%d VMs): a sample metered in %.1f ms median (%.1f–%.1f ms over %d "
                        + "warm samples): %.1f %% of a core at one sample a second%n", hosts, perHost, hosts * perHost, median,
                sorted[0], sorted[samples - 1], samples, median / 10);
    }
}
