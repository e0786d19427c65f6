package io.federa.manager.core.lifecycle;

import io.federa.manager.core.spec.ApplicationSpec;

import java.util.Map;

/**
 * One application's instances counted once per pass: how many run (on hosts that answer), how
 * many it wants now, and the fewest that must keep running. Availability, the API, the metrics and
 * the reconcile pass's reductions read these numbers rather than counting again.
 *
 * @param running      its VMs running on hosts that answer ({@link io.federa.manager.core.inventory.RunningInstances})
 * @param wanted       its scaling target when it has one, else its replicas ({@link #wanted})
 * @param minAvailable fewer running than this (or than {@code wanted}, if lower) and every service that uses it is DOWN
 */
public record Headcount(String application, int running, int wanted, int minAvailable) {
    public Headcount {
        if (running < 0 || wanted < 0 || minAvailable < 0) {
            throw new IllegalArgumentException(application + ": negative headcount " + running + "/" + wanted + "/" + minAvailable);
        }
    }

    /** The headcount of {@code app} with {@code running} instances running and the scaling targets in force. */
    public static Headcount of(ApplicationSpec app, int running, Map<String, Integer> targets) {
        return new Headcount(app.name(), running, wanted(app, targets), app.minAvailable());
    }

    /**
     * The instances an application wants now: its scaling target when a scaling decision set one
     * (it replaces {@code replicas} while in force), else its replicas. One that runs in another's
     * VMs wants as many as that one: one in each of its VMs.
     */
    public static int wanted(ApplicationSpec app, Map<String, Integer> targets) {
        return targets.getOrDefault(app.vmsOf(), app.replicas());
    }

    /**
     * The fewest instances that must keep running: {@code minAvailable}, or the wanted count where
     * a scaling policy's {@code min} is lower (waiting for {@code minAvailable} there would wait for ever).
     */
    public int floor() {
        return Math.min(minAvailable, wanted);
    }

    /** Whether one running instance may stop and leave the application at its floor or above. */
    public boolean canStopOne() {
        return running - 1 >= floor();
    }

    /** Fewer running than its floor: the services that use it are DOWN. */
    public boolean belowFloor() {
        return running < floor();
    }

    /** Fewer running than wanted: the services that use it are DEGRADED at best. */
    public boolean belowWanted() {
        return running < wanted;
    }
}
