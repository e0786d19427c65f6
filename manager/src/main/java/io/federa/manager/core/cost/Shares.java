package io.federa.manager.core.cost;

import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.ServiceSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which services pay for each application, and in what part: an application in one service is
 * that service's; one shared by several is split among them, evenly unless the manager's
 * configuration ({@code cost.split}) gives weights. A weight for a service that does not use the
 * application is ignored; a service that uses it and has no weight counts 1; if the weights of its
 * services add up to 0 the split is even. The parts of an application always add up to 1, so
 * splitting never makes or loses money.
 */
public final class Shares {
    private final Map<String, Map<String, Double>> parts;

    private Shares(Map<String, Map<String, Double>> parts) {
        this.parts = parts;
    }

    public static Shares of(Catalog catalog, Map<String, Map<String, Double>> weights) {
        Map<String, List<String>> servicesOf = new TreeMap<>();
        if (catalog != null) {
            for (ServiceSpec s : catalog.services().values()) {
                for (String a : s.applications()) {
                    servicesOf.computeIfAbsent(a, k -> new java.util.ArrayList<>()).add(s.name());
                }
            }
        }
        Map<String, Map<String, Double>> parts = new TreeMap<>();
        servicesOf.forEach((application, services) -> {
            Map<String, Double> w = weights.getOrDefault(application, Map.of());
            double sum = 0;
            for (String s : services) {
                sum += w.getOrDefault(s, 1.0);
            }
            Map<String, Double> p = new LinkedHashMap<>();
            for (String s : services.stream().sorted().toList()) {
                p.put(s, sum > 0 ? w.getOrDefault(s, 1.0) / sum : 1.0 / services.size());
            }
            parts.put(application, Map.copyOf(p));
        });
        return new Shares(Map.copyOf(parts));
    }

    /** The services that pay for the application and their parts (adding up to 1); empty when none uses it. */
    public Map<String, Double> of(String application) {
        return parts.getOrDefault(application, Map.of());
    }
}
