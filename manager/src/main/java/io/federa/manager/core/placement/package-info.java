/**
 * Placement, pure: on which host each instance goes, and why not elsewhere.
 *
 * <pre>
 *  InventorySnapshot ─┐                   (once per snapshot)
 *  cordoned hosts ────┼─► HostTable: hosts sorted by id, facts in arrays
 *  Catalog ───────────┘        │
 *                              ▼
 *  PlacementRequest ─► checks, in Reason order ─► scorers ─► Outcome
 *  + plan so far        reachable, cordoned,       cost/h,     Fits(host, score, runner-up)
 *    (List&lt;Placed&gt;)     runtime, offsite,          fit,        Unschedulable(every host,
 *                       security, capacity,        seeded      every reason)
 *                       spread, avoid              tie-break   Unresolvable(why)
 * </pre>
 *
 * {@link io.federa.manager.core.placement.Placement} is the entry point: {@code place} for one
 * instance, {@code planService} and {@code placeAll} for every missing instance in dependency
 * order, {@code explain} for every host's verdict; {@link io.federa.manager.core.placement.Explanation}
 * puts outcomes in words. No I/O, no clock, no randomness but the configured seed.
 */
package io.federa.manager.core.placement;
