package io.federa.manager.core.spec;

import java.time.Duration;

/**
 * When to add or remove instances of an application.
 *
 * @param metric       {@code CPU_LOAD} (the VMs' CPU load) or {@code APPLICATION_LOAD} (as the agent reports it)
 * @param scaleOutAbove load ratio (0–1) above which an instance is added
 * @param scaleInBelow  load ratio (0–1) below which an instance may go
 * @param holdFor       how long the load must stay past a threshold
 * @param cooldown      the least time between two changes
 * @param scaleInWindow how long the load must stay low before an instance goes (no flapping)
 * @param ahead         how far ahead a forecast of the load may add an instance before the load
 *                      arrives ({@link Duration#ZERO}: only the load seen scales)
 */
public record ScalingPolicy(Metric metric, double scaleOutAbove, double scaleInBelow, Duration holdFor,
                            int minInstances, int maxInstances, Duration cooldown, Duration scaleInWindow, Duration ahead) {
    public enum Metric { CPU_LOAD, APPLICATION_LOAD }

    public ScalingPolicy(Metric metric, double scaleOutAbove, double scaleInBelow, Duration holdFor, int minInstances,
                         int maxInstances, Duration cooldown, Duration scaleInWindow) {
        this(metric, scaleOutAbove, scaleInBelow, holdFor, minInstances, maxInstances, cooldown, scaleInWindow, Duration.ZERO);
    }

    public boolean scalesAhead() {
        return !ahead.isZero();
    }
}
