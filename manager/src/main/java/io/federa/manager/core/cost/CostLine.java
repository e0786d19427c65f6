package io.federa.manager.core.cost;

import java.util.Objects;

/**
 * One time bucket of one host: what one application's VMs used there and its cost, or the host's
 * idle cost ({@link #IDLE}), in the host's currency. What the store keeps, at
 * each resolution (minute, hour, day).
 *
 * @param usage      what the application's VMs used (zero on an idle line: idle is a cost, the
 *                   capacity nobody used, and may be negative when a host is over-committed)
 * @param gapMillis  on the idle line: how long the host went unsampled in the bucket (not billed)
 */
public record CostLine(long bucketMillis, String host, String site, String application, String currency, Usage usage,
                       double cost, long gapMillis) {
    /** The application of an idle line (application names are DNS labels: no parentheses). */
    public static final String IDLE = "(idle)";
    /** The application of VMs that carry none the manager knows (not placed by it). */
    public static final String NO_APPLICATION = "(no application)";

    public CostLine {
        Objects.requireNonNull(host, "host");
        site = site == null ? "" : site;
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(usage, "usage");
        if (!Double.isFinite(cost)) {
            throw new IllegalArgumentException("cost of " + host + "/" + application + " is " + cost);
        }
    }

    public boolean idle() {
        return application.equals(IDLE);
    }

    /** This line and another of the same key, summed. */
    public CostLine plus(CostLine o) {
        return new CostLine(bucketMillis, host, site, application, currency, usage.plus(o.usage), cost + o.cost,
                gapMillis + o.gapMillis);
    }

    /** The same line in a coarser bucket. */
    public CostLine in(long bucket) {
        return new CostLine(bucket, host, site, application, currency, usage, cost, gapMillis);
    }

    public Key key() {
        return new Key(bucketMillis, host, application, currency);
    }

    /**
     * A line's key. Its equality is written out: the ledger looks up every host's lines every
     * interval, and the record's generated equality was 7 % of the manager's CPU at 5,000 agents
     * (JFR); the names it compares are mostly the very same strings.
     */
    public record Key(long bucketMillis, String host, String application, String currency) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && bucketMillis == k.bucketMillis && same(host, k.host)
                    && same(application, k.application) && same(currency, k.currency);
        }

        @Override
        public int hashCode() {
            return ((Long.hashCode(bucketMillis) * 31 + host.hashCode()) * 31 + application.hashCode()) * 31 + currency.hashCode();
        }

        private static boolean same(String a, String b) {
            return a == b || a.equals(b);
        }
    }
}
