package io.federa.manager.core.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated set of application and service definitions: every reference resolves, the
 * dependency graph has no cycle, every number is possible.
 */
public record Catalog(Map<String, ApplicationSpec> applications, Map<String, ServiceSpec> services) {
    public Catalog {
        applications = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(applications));
        services = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(services));
    }

    /** The applications of a service in start order: each after everything it depends on. */
    public List<ApplicationSpec> startOrder(String service) {
        ServiceSpec s = services.get(service);
        if (s == null) {
            throw new IllegalArgumentException("no service named " + service);
        }
        List<ApplicationSpec> order = new ArrayList<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        for (String app : s.applications()) {
            visit(app, done, order);
        }
        return order;
    }

    private void visit(String app, java.util.Set<String> done, List<ApplicationSpec> order) {
        if (!done.add(app)) {
            return;
        }
        ApplicationSpec a = applications.get(app);
        for (String dep : a.dependsOn()) {
            visit(dep, done, order);
        }
        order.add(a);
    }

    /** Whether {@code application} is one of {@code service}'s and has a scaling policy: what an alert may scale. */
    public boolean scales(String service, String application) {
        ApplicationSpec app = applications.get(application);
        return app != null && app.scaling().isPresent() && services.containsKey(service)
                && services.get(service).applications().contains(application);
    }
}
