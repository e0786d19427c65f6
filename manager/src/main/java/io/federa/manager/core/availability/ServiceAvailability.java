package io.federa.manager.core.availability;

import java.util.List;

/** A service's state and the reasons for it (empty when UP). */
public record ServiceAvailability(String service, State state, List<String> reasons) {
    public ServiceAvailability {
        reasons = List.copyOf(reasons);
    }

    public enum State {
        /** Every application has all its replicas running. */
        UP,
        /** Every application has at least minAvailable instances running, some fewer than their replicas. */
        DEGRADED,
        /** Some application has fewer instances running than its minAvailable. */
        DOWN
    }
}
