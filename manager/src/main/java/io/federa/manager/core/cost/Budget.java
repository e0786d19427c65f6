package io.federa.manager.core.cost;

import java.time.Duration;

/** What a service may spend: {@code amount} of {@code currency} each {@code per} (cost.budgets). */
public record Budget(double amount, String currency, Duration per) {
    public Budget {
        if (!(amount > 0) || Double.isInfinite(amount)) {
            throw new IllegalArgumentException("a budget's amount must be above 0, got " + amount);
        }
        if (per == null || per.toMillis() < 1000) {
            throw new IllegalArgumentException("a budget's period must be at least 1s, got " + per);
        }
    }

    /** The same, per second: what {@code federa_service_cost_budget_per_second} shows. */
    public double perSecond() {
        return amount / (per.toMillis() / 1000.0);
    }
}
