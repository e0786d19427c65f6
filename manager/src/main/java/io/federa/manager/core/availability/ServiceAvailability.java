package io.federa.manager.core.availability;

import java.util.List;

/** A service's state and the reasons for it (empty when UP or STOPPED). */
public record ServiceAvailability(String service, State state, List<String> reasons) {
    public ServiceAvailability {
        reasons = List.copyOf(reasons);
    }

    public enum State {
        /** Every application has all the instances it wants running (its scaling target, else its replicas). */
        UP,
        /** Every application has at least minAvailable instances running, some fewer than they want. */
        DEGRADED,
        /** Some application has fewer instances running than its minAvailable. */
        DOWN,
        /** Nobody asked it to run: never started, or stopped on purpose. Its time counts in no availability ratio. */
        STOPPED
    }
}
