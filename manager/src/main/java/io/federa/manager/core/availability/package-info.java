/**
 * Availability: each service as one poll interval sees it, judged once and read by every adapter.
 * What counts as a running instance is {@link io.federa.manager.core.inventory.RunningInstances};
 * each application's {@link io.federa.manager.core.lifecycle.Headcount} sets it against what the
 * application wants; the {@link io.federa.manager.core.availability.ServiceView} adds what operators
 * asked (STOPPED when nobody asked a service to run) and the gate after a restart;
 * {@link io.federa.manager.core.availability.ServiceStates} records the changes, and
 * {@link io.federa.manager.core.availability.AvailabilityHistory} turns them into ratios over the
 * time each service was meant to run.
 *
 * <pre>
 *  inventory ──► RunningInstances ──► Headcount (running, wanted, floor) ──┐
 *  definitions, desired states, scaling targets, the pass's waits ────────┼──► ServiceView ──► API, /metrics (alerts)
 *  states recorded before a restart (held until every agent answered) ────┘        │
 *                                                   ServiceStates ──► transitions ──► AvailabilityHistory (ratios)
 * </pre>
 */
package io.federa.manager.core.availability;
