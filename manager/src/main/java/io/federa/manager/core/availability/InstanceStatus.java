package io.federa.manager.core.availability;

import io.federa.manager.core.probe.ProbeBook;

import java.util.Objects;
import java.util.Optional;

/**
 * One instance of an application as the inventory and its probes see it: which VM, on which
 * host, in which state, whether its host answers, and whether it counts as running: its VM counts
 * ({@link io.federa.manager.core.inventory.RunningInstances#counts}) and, where the application has
 * a probe, the probe says it serves.
 *
 * @param vmState the agent's state name (RUNNING, SHUT_OFF, …), or UNKNOWN when its host is unreachable
 * @param probe   what its probe last found; empty when the application has no probe, or its VM does not run
 */
public record InstanceStatus(String application, String vm, String host, String vmState, boolean hostReachable,
                             boolean vmRunning, Optional<Probe> probe) {
    /**
     * What the instance's probe last found: SERVING, STARTING or FAILING, why not serving, and the
     * application's own load it reported (empty when it reports none).
     *
     * @param asked false while this manager has not probed the instance yet (since the VM started,
     *              or since the manager did): STARTING, and its service is not judged on it
     */
    public record Probe(ProbeBook.State state, String reason, java.util.OptionalDouble load, boolean asked) {
        public Probe {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(load, "load");
        }
    }

    public InstanceStatus {
        Objects.requireNonNull(probe, "probe");
    }

    /** Whether it counts as running for availability: its VM runs and, where probed, serves. */
    public boolean running() {
        return vmRunning && probe.map(p -> p.state() == ProbeBook.State.SERVING).orElse(true);
    }

    /** Why this instance does not count as running, in a few words. */
    String whyNotRunning() {
        if (!hostReachable) {
            return vm + " on " + host + ": host unreachable";
        }
        if (vmRunning && probe.isPresent()) {
            return vm + " on " + host + ": " + probe.get().reason();
        }
        return vm + " on " + host + ": VM " + vmState;
    }
}
