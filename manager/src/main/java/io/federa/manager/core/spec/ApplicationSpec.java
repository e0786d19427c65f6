package io.federa.manager.core.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An application as defined once, whichever services use it: what it runs on, what each
 * instance needs, how many instances, what it depends on, where it may run and how it scales.
 *
 * @param data whether an instance keeps data of its own on its host, which a move must carry
 */
public record ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                              List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling,
                              Data data) {
    public ApplicationSpec {
        dependsOn = List.copyOf(dependsOn);
        Objects.requireNonNull(data, "data");
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
