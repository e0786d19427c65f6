package io.federa.manager.core.spec;

import java.util.List;
import java.util.Optional;

/**
 * An application as defined once, whichever services use it: what it runs on, what each
 * instance needs, how many instances, what it depends on, where it may run and how it scales.
 */
public record ApplicationSpec(String name, String runtime, Resources resources, int replicas, int minAvailable,
                              List<String> dependsOn, PlacementRules placement, Optional<ScalingPolicy> scaling) {
    public ApplicationSpec {
        dependsOn = List.copyOf(dependsOn);
    }
}
