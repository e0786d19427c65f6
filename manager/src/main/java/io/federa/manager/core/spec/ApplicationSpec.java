package io.federa.manager.core.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An application as defined once, whichever services use it: what it runs on, what each
 * instance needs, how many instances, what it depends on, where it may run and how it scales.
 *
 * @param data  whether an instance keeps data of its own on its host, which a move must carry
 * @param probe how the manager asks each instance whether it serves; without one, a running VM serves
 * @param runsIn the application in whose VMs this one runs, beside it, with no VM of its own: one
 *               instance in each of that application's VMs, each with its own probe (state and load).
 *               Such an application has that one's runtime and replicas, no resources, placement or
 *               scaling of its own (docs/services.md, "Applications sharing a VM")
 */
public record ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                              List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling,
                              Data data, Optional<ProbeSpec> probe, Optional<String> runsIn) {
    public ApplicationSpec {
        dependsOn = List.copyOf(dependsOn);
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(runsIn, "runsIn");
    }

    /** An application with VMs of its own. */
    public ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                           List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling, Data data,
                           Optional<ProbeSpec> probe) {
        this(name, runtime, resources, replicas, minAvailable, dependsOn, placement, scaling, data, probe, Optional.empty());
    }

    /** Whether it runs in another application's VMs, with none of its own. */
    public boolean hosted() {
        return runsIn.isPresent();
    }

    /** The application whose VMs this one's instances are: its {@code runsIn}, or itself. */
    public String vmsOf() {
        return runsIn.orElse(name);
    }

    /** An application without a probe. */
    public ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                           List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling, Data data) {
        this(name, runtime, resources, replicas, minAvailable, dependsOn, placement, scaling, data, Optional.empty());
    }

    /** An application whose instances keep data on their host ({@link Data#LOCAL}, the default). */
    public ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                           List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling) {
        this(name, runtime, resources, replicas, minAvailable, dependsOn, placement, scaling, Data.LOCAL);
    }

    /** What an instance keeps on its host. */
    public enum Data {
        /** Its disks and files are its own: a move stops it, copies them, and starts it at the destination. */
        LOCAL,
        /**
         * Nothing of it on its host needs keeping (its state lives elsewhere, or is rebuilt at start):
         * a move of one of several replicas starts a new instance at the destination first.
         */
        NONE
    }
}
