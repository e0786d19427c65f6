package io.federa.manager.cost;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.cost.Attribution;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.cost.Shares;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.CostStore;

import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Answers {@code GET /api/v1/cost} from the store: the lines of the period at the resolution its
 * step reads, billed by {@link Attribution} with the current definitions' shares. Blocking.
 */
public final class CostReports {
    /** Steps in one report at most: a year of days, or a week of minutes. */
    public static final long MAX_STEPS = 10_080;

    private final CostStore store;
    private final ManagerConfig.Cost config;
    private final Supplier<Catalog> catalog;
    private final Supplier<java.util.List<io.federa.manager.core.forecast.Outlook>> outlooks;

    public CostReports(CostStore store, ManagerConfig.Cost config, Supplier<Catalog> catalog) {
        this(store, config, catalog, java.util.List::of);
    }

    /** @param outlooks the last capacity forecast (docs/cost.md, "Forecasts") */
    public CostReports(CostStore store, ManagerConfig.Cost config, Supplier<Catalog> catalog,
                       Supplier<java.util.List<io.federa.manager.core.forecast.Outlook>> outlooks) {
        this.store = store;
        this.config = config;
        this.catalog = catalog;
        this.outlooks = outlooks;
    }

    /** The last capacity forecast, hosts then sites. */
    public java.util.List<io.federa.manager.core.forecast.Outlook> outlooks() {
        return outlooks.get();
    }

    /** A period and step a report can be made for: the refusal names what is wrong, or null. */
    public String refusal(long fromMillis, long nowMillis, long stepMillis) {
        if (stepMillis < Resolution.MINUTE.millis || stepMillis % Resolution.MINUTE.millis != 0) {
            return "step must be a whole number of minutes (1m, 1h, 1d), got " + stepMillis / 1000 + " s";
        }
        if (fromMillis >= nowMillis) {
            return "since must be in the past";
        }
        if ((nowMillis - fromMillis) / stepMillis > MAX_STEPS) {
            return "since and step ask for " + (nowMillis - fromMillis) / stepMillis + " steps; at most " + MAX_STEPS
                    + ": give a longer step";
        }
        Resolution r = Resolution.forStep(stepMillis);
        long kept = retention(r);
        if (fromMillis < nowMillis - kept) {
            return "a step of " + describe(stepMillis) + " reads " + r.name().toLowerCase(java.util.Locale.ROOT)
                    + "s, kept for " + describe(kept) + "; for a longer period give a step of whole "
                    + (r == Resolution.MINUTE ? "hours or days" : "days");
        }
        return null;
    }

    private long retention(Resolution r) {
        return switch (r) {
            case MINUTE -> config.minutes().toMillis();
            case HOUR -> config.hours().toMillis();
            case DAY -> config.days().toMillis();
        };
    }

    public Attribution.Report report(Attribution.By by, long fromMillis, long toMillis, long stepMillis) throws SQLException {
        Shares shares = Shares.of(catalog.get(), config.split());
        return Attribution.of(store.lines(Resolution.forStep(stepMillis), fromMillis, toMillis), by, shares, stepMillis);
    }

    /** 90s, 15m, 2h, 7d: the largest unit that divides it. */
    public static String describe(long millis) {
        if (millis % 86_400_000L == 0) {
            return millis / 86_400_000L + "d";
        }
        if (millis % 3_600_000L == 0) {
            return millis / 3_600_000L + "h";
        }
        if (millis % 60_000L == 0) {
            return millis / 60_000L + "m";
        }
        return millis / 1000 + "s";
    }
}
