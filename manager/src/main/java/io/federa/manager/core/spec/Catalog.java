package io.federa.manager.core.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A validated set of application and service definitions: every reference resolves, the
 * dependency graph has no cycle, every service groups at least one application, each once. A
 * catalog checks this itself when it is built, whoever builds it ({@link CatalogValidator} from a
 * document, a test from records): one that contradicts itself cannot exist. The checks are the
 * static {@code *Problems} methods, which the validator also calls to report every error of a
 * document with the path of its field.
 */
public record Catalog(Map<String, ApplicationSpec> applications, Map<String, ServiceSpec> services) {
    public Catalog {
        applications = Collections.unmodifiableMap(new LinkedHashMap<>(applications));
        services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
        List<SpecError> problems = new ArrayList<>();
        applications.forEach((k, a) -> {
            if (!k.equals(a.name())) {
                problems.add(new SpecError("applications." + k, "is keyed " + k + " but named " + a.name()));
            }
        });
        services.forEach((k, s) -> {
            if (!k.equals(s.name())) {
                problems.add(new SpecError("services." + k, "is keyed " + k + " but named " + s.name()));
            }
        });
        problems.addAll(referenceProblems(applications, a -> "applications." + a));
        if (problems.isEmpty()) {
            problems.addAll(cycleProblems(applications, a -> "applications." + a));
        }
        for (ServiceSpec s : services.values()) {
            problems.addAll(serviceProblems(s, applications.keySet(), "services." + s.name()));
        }
        if (!problems.isEmpty()) {
            throw new InvalidCatalogException(problems);
        }
    }

    /** A catalog that contradicts itself: every problem, each with where it is. */
    public static final class InvalidCatalogException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient List<SpecError> problems;

        public InvalidCatalogException(List<SpecError> problems) {
            super("an invalid catalog: " + problems);
            this.problems = List.copyOf(problems);
        }

        public List<SpecError> problems() {
            return problems;
        }
    }

    /**
     * Each application's {@code dependsOn} and {@code avoid} name a defined application, and an
     * application does not depend on itself.
     *
     * @param path where each application is defined, for the errors (e.g. {@code applications[2]})
     */
    public static List<SpecError> referenceProblems(Map<String, ApplicationSpec> apps, Function<String, String> path) {
        List<SpecError> out = new ArrayList<>();
        for (ApplicationSpec a : apps.values()) {
            String p = path.apply(a.name());
            for (int j = 0; j < a.dependsOn().size(); j++) {
                String dep = a.dependsOn().get(j);
                if (!apps.containsKey(dep)) {
                    out.add(new SpecError(p + ".dependsOn[" + j + "]", "unknown application \"" + dep + "\"" + known(apps.keySet())));
                } else if (dep.equals(a.name())) {
                    out.add(new SpecError(p + ".dependsOn[" + j + "]", "an application cannot depend on itself"));
                }
            }
            for (int j = 0; j < a.placement().avoid().size(); j++) {
                String other = a.placement().avoid().get(j);
                if (!apps.containsKey(other)) {
                    out.add(new SpecError(p + ".placement.avoid[" + j + "]", "unknown application \"" + other + "\"" + known(apps.keySet())));
                }
            }
        }
        return out;
    }

    /** Every dependency cycle, each named once, e.g. {@code web → payment → web}. */
    public static List<SpecError> cycleProblems(Map<String, ApplicationSpec> apps, Function<String, String> path) {
        List<SpecError> out = new ArrayList<>();
        Map<String, Integer> state = new LinkedHashMap<>();
        Set<String> reported = new HashSet<>();
        for (String a : apps.keySet()) {
            dfs(a, apps, state, new ArrayList<>(), path, reported, out);
        }
        return out;
    }

    private static void dfs(String a, Map<String, ApplicationSpec> apps, Map<String, Integer> state, List<String> stack,
                            Function<String, String> path, Set<String> reported, List<SpecError> out) {
        Integer s = state.get(a);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(a), stack.size()));
            cycle.add(a);
            if (reported.add(String.join(",", new TreeSet<>(cycle)))) {
                String from = stack.get(stack.size() - 1);
                out.add(new SpecError(path.apply(from) + ".dependsOn", "dependency cycle: " + String.join(" → ", cycle)));
            }
            return;
        }
        state.put(a, 1);
        stack.add(a);
        for (String d : apps.get(a).dependsOn()) {
            if (apps.containsKey(d)) {
                dfs(d, apps, state, stack, path, reported, out);
            }
        }
        stack.remove(stack.size() - 1);
        state.put(a, 2);
    }

    /** A service groups at least one application, each defined and listed once. */
    public static List<SpecError> serviceProblems(ServiceSpec s, Set<String> defined, String path) {
        List<SpecError> out = new ArrayList<>();
        if (s.applications().isEmpty()) {
            out.add(new SpecError(path + ".applications", "must name at least one application"));
        }
        Set<String> seen = new HashSet<>();
        for (int j = 0; j < s.applications().size(); j++) {
            String a = s.applications().get(j);
            if (!defined.contains(a)) {
                out.add(new SpecError(path + ".applications[" + j + "]", "unknown application \"" + a + "\"" + known(defined)));
            } else if (!seen.add(a)) {
                out.add(new SpecError(path + ".applications[" + j + "]", "\"" + a + "\" is listed twice"));
            }
        }
        return out;
    }

    private static String known(Set<String> names) {
        return names.isEmpty() ? " (none is defined)" : " (defined: " + String.join(", ", names) + ")";
    }

    /** The applications of a service in start order: each after everything it depends on. */
    public List<ApplicationSpec> startOrder(String service) {
        ServiceSpec s = services.get(service);
        if (s == null) {
            throw new IllegalArgumentException("no service named " + service);
        }
        List<ApplicationSpec> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        for (String app : s.applications()) {
            visit(app, done, order);
        }
        return order;
    }

    private void visit(String app, Set<String> done, List<ApplicationSpec> order) {
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
