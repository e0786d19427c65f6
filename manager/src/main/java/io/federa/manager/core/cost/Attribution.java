package io.federa.manager.core.cost;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bill: stored lines grouped by service, application, host or site into steps. Applications
 * roll up from their VMs (the lines); a shared application's lines are split among its services
 * by {@link Shares}; what no VM used is idle, a row of its own ({@value #IDLE}) when grouping by
 * service or application, and part of each host's (and site's) figure otherwise. Whatever the
 * grouping, the rows of a currency add up to what the hosts cost: the bill closes.
 */
public final class Attribution {
    public static final String IDLE = CostLine.IDLE;
    public static final String NO_SERVICE = "(no service)";
    public static final String NO_APPLICATION = CostLine.NO_APPLICATION;

    public enum By {
        SERVICE, APPLICATION, HOST, SITE;

        /** From the API's and the CLI's word; an unknown word is refused with the choices. */
        public static By parse(String s) {
            for (By b : values()) {
                if (b.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("by must be one of service, application, host, site; got \""
                    + (s != null && s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"");
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One key over one step, in one currency. Usage figures are split with the cost (a third of a
     * shared application's CPU-seconds goes with a third of its cost), hence fractional.
     *
     * @param idleCost the part of {@code cost} that is idle capacity (host and site rows; the idle row itself)
     * @param gapMillis how long hosts went unsampled (host and site rows; the idle row)
     */
    public record Row(String key, long startMillis, String currency, double cost, double cpuSeconds,
                      double storageGiBHours, double bytesSent, double packetsSent, double idleCost, long gapMillis) {
    }

    /**
     * A row as its lines are added, in place: the manager groups every host's lines each poll
     * interval for the spending now, and a new row per line added was a tenth of what it
     * allocated at 5,000 hosts (JFR).
     */
    private static final class Sum {
        double cost;
        double cpuSeconds;
        double storageGiBHours;
        double bytesSent;
        double packetsSent;
        double idleCost;
        long gapMillis;

        void add(double part, CostLine l, boolean idleToo) {
            Usage u = l.usage();
            cost += part * l.cost();
            cpuSeconds += part * u.cpuSeconds();
            storageGiBHours += part * u.storageGiBHours();
            bytesSent += part * u.bytesSent();
            packetsSent += part * u.packetsSent();
            idleCost += idleToo && l.idle() ? l.cost() : 0;
            gapMillis += idleToo ? l.gapMillis() : 0;
        }

        Row row(RowKey k) {
            return new Row(k.key(), k.startMillis(), k.currency(), cost, cpuSeconds, storageGiBHours, bytesSent, packetsSent,
                    idleCost, gapMillis);
        }
    }

    /** Per currency: what the applications cost, idle, and the hosts (their sum). */
    public record Total(String currency, double applications, double idle, double hosts) {
    }

    public record Report(List<Row> rows, List<Total> totals) {
    }

    private record RowKey(String key, long startMillis, String currency) {
    }

    private Attribution() {
    }

    public static Report of(List<CostLine> lines, By by, Shares shares, long stepMillis) {
        if (stepMillis <= 0) {
            throw new IllegalArgumentException("step must be positive, got " + stepMillis + " ms");
        }
        Map<RowKey, Sum> rows = new HashMap<>();
        Map<String, double[]> totals = new TreeMap<>();
        for (CostLine l : lines) {
            long start = Ledger.bucket(l.bucketMillis(), stepMillis);
            double[] t = totals.computeIfAbsent(l.currency(), c -> new double[2]);
            t[l.idle() ? 1 : 0] += l.cost();
            switch (by) {
                case HOST -> add(rows, l.host(), start, l, 1, true);
                case SITE -> add(rows, l.site(), start, l, 1, true);
                case APPLICATION -> add(rows, l.application(), start, l, 1, true);
                case SERVICE -> {
                    Map<String, Double> parts = l.idle() ? Map.of() : shares.of(l.application());
                    if (l.idle()) {
                        add(rows, IDLE, start, l, 1, true);
                    } else if (parts.isEmpty()) {
                        add(rows, NO_SERVICE, start, l, 1, false);
                    } else {
                        parts.forEach((service, part) -> add(rows, service, start, l, part, false));
                    }
                }
            }
        }
        List<Total> out = new ArrayList<>();
        totals.forEach((c, t) -> out.add(new Total(c, t[0], t[1], t[0] + t[1])));
        List<RowKey> keys = new ArrayList<>(rows.keySet());
        keys.sort(ORDER);
        List<Row> sorted = new ArrayList<>(keys.size());
        for (RowKey k : keys) {
            sorted.add(rows.get(k).row(k));
        }
        return new Report(List.copyOf(sorted), out);
    }

    /** Rows by step, then currency, then key. */
    private static final Comparator<RowKey> ORDER = Comparator.comparingLong(RowKey::startMillis)
            .thenComparing(RowKey::currency).thenComparing(RowKey::key);

    private static void add(Map<RowKey, Sum> rows, String key, long start, CostLine l, double part, boolean idleToo) {
        rows.computeIfAbsent(new RowKey(key, start, l.currency()), x -> new Sum()).add(part, l, idleToo);
    }
}
