package io.federa.manager.core.availability;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ServiceSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A service's availability, derived from the states of its applications' instances: DOWN when
 * any application has fewer RUNNING instances than its minAvailable, DEGRADED when all reach
 * minAvailable but some fewer than their replicas, UP otherwise. Every state below UP says which
 * component is short and why. A shared application counts for every service that uses it.
 * Pure: the same catalog and instances give the same answer.
 */
public final class AvailabilityEvaluator {
    private AvailabilityEvaluator() {
    }

    public static ServiceAvailability evaluate(Catalog catalog, String service, List<InstanceStatus> instances) {
        ServiceSpec s = catalog.services().get(service);
        if (s == null) {
            throw new IllegalArgumentException("no service named " + service);
        }
        Map<String, List<InstanceStatus>> byApp = instances.stream()
                .collect(Collectors.groupingBy(InstanceStatus::application));
        boolean down = false;
        boolean degraded = false;
        List<String> reasons = new ArrayList<>();
        for (String appName : s.applications()) {
            ApplicationSpec app = catalog.applications().get(appName);
            List<InstanceStatus> mine = byApp.getOrDefault(appName, List.of());
            long running = mine.stream().filter(InstanceStatus::running).count();
            if (running >= app.replicas()) {
                continue;
            }
            boolean belowMin = running < app.minAvailable();
            down |= belowMin;
            degraded |= !belowMin;
            StringBuilder why = new StringBuilder(appName + ": " + running + " of " + app.replicas()
                    + " instances running (minAvailable " + app.minAvailable() + ")");
            List<String> details = mine.stream().filter(i -> !i.running()).map(InstanceStatus::whyNotRunning).sorted().toList();
            long missing = app.replicas() - mine.size();
            if (!details.isEmpty()) {
                why.append("; ").append(String.join("; ", details));
            }
            if (missing > 0) {
                why.append("; ").append(missing).append(missing == 1 ? " instance not placed" : " instances not placed");
            }
            reasons.add(why.toString());
        }
        ServiceAvailability.State state = down ? ServiceAvailability.State.DOWN
                : degraded ? ServiceAvailability.State.DEGRADED : ServiceAvailability.State.UP;
        return new ServiceAvailability(service, state, reasons);
    }
}
