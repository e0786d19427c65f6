package io.federa.manager.core.placement;

/**
 * How a host that passed every check ranks for one instance. Hosts compare on the projected
 * cost first (lower wins) when the application prefers the cheapest host, then on the fit
 * (higher wins), then on the seeded tie-break (lower wins).
 *
 * @param costPerHour projected cost of the instance there for an hour ({@link CostModel})
 * @param currency    the host's currency
 * @param fit         0–1 from the strategy: for spread, 1 − the host's mean use of CPU, memory
 *                    and disk once the instance is there; for bin-pack, that use itself
 * @param tieBreak    the seeded shuffle's key for this host and instance
 */
public record Score(double costPerHour, String currency, double fit, long tieBreak) {
}
