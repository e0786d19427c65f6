/**
 * Cost: what each VM used, priced at its host's rates, and who pays for it.
 *
 * <pre>
 *  successive polls of a host ──► {@link io.federa.manager.core.cost.Meter} ──► HostInterval (each VM's Usage,
 *  (counters, rates, capacity)       resets and gaps        the host's capacity, or a gap)
 *                                                               │
 *                          {@link io.federa.manager.core.cost.Ledger} ◄──┘ summed per time bucket, host and application,
 *                                                               │   with each host's idle capacity beside
 *                          {@link io.federa.manager.core.cost.Attribution} ◄──┘ per service (shared applications split),
 *                                                                   application, host or site: a bill that closes
 * </pre>
 *
 * No clock is read here: every time is a sample's, handed in. The rules (docs/cost.md):
 * a counter that goes down started again, and what it shows is what was used since; an interval
 * longer than the gap limit is a gap, reported and not billed; a VM seen for the first time is a
 * baseline, billed from its next sample.
 */
package io.federa.manager.core.cost;
