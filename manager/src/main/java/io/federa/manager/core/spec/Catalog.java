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
        for (ApplicationSpec a : applications.values()) {
            ApplicationSpec host = a.runsIn().map(applications::get).orElse(null);
            if (host != null && (host.replicas() != a.replicas() || !host.runtime().equals(a.runtime()))) {
                problems.add(new SpecError("applications." + a.name(), "runs in " + host.name() + "'s VMs but has other replicas"
                        + " or another runtime than " + host.name()));
            }
        }
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
            if (a.runsIn().isPresent()) {
                String host = a.runsIn().get();
                ApplicationSpec h = apps.get(host);
                if (h == null) {
                    out.add(new SpecError(p + ".runsIn", "unknown application \"" + host + "\"" + known(apps.keySet())));
                } else if (host.equals(a.name())) {
                    out.add(new SpecError(p + ".runsIn", "an application cannot run in its own VMs"));
                } else if (h.hosted()) {
                    out.add(new SpecError(p + ".runsIn", "\"" + host + "\" runs in " + h.runsIn().get() + "'s VMs itself: name the"
                            + " application that has the VMs"));
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
        for (String d : needs(apps.get(a))) {
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
        for (String dep : needs(a)) {
            visit(dep, done, order);
        }
        order.add(a);
    }

    /** What must run before {@code a}: what it depends on and, for one that runs in another's VMs, that one. */
    private static List<String> needs(ApplicationSpec a) {
        if (a.runsIn().isEmpty()) {
            return a.dependsOn();
        }
        List<String> out = new ArrayList<>(a.runsIn().stream().toList());
        out.addAll(a.dependsOn());
        return out;
    }

    /** The applications that run in {@code application}'s VMs, in the definitions' order. */
    public List<ApplicationSpec> hostedIn(String application) {
        return applications.values().stream().filter(a -> a.runsIn().filter(application::equals).isPresent()).toList();
    }

    /**
     * For each application with VMs of its own, those that run in its VMs (in the definitions'
     * order): {@link #hostedIn} for all at once, for a caller going through many VMs.
     */
    public Map<String, List<ApplicationSpec>> hosted() {
        Map<String, List<ApplicationSpec>> out = new java.util.HashMap<>();
        applications.values().stream().filter(ApplicationSpec::hosted)
                .forEach(a -> out.computeIfAbsent(a.runsIn().get(), k -> new ArrayList<>()).add(a));
        return out;
    }

    /**
     * The guest's ports the manager must reach in a VM of {@code application}, which its host
     * forwards: the probes' of the application and of those that run in its VMs, once each, named
     * as the agent's {@code Endpoints} name them ({@code 80}, {@code 161/udp}), TCP first, each in
     * port order.
     */
    public List<String> guestPorts(String application) {
        java.util.TreeSet<ProbeSpec.Ask> asks = new java.util.TreeSet<>(java.util.Comparator.comparing(ProbeSpec.Ask::udp)
                .thenComparingInt(ProbeSpec.Ask::port));
        ApplicationSpec a = applications.get(application);
        if (a != null) {
            a.probe().ifPresent(p -> asks.add(p.ask()));
        }
        hostedIn(application).forEach(h -> h.probe().ifPresent(p -> asks.add(p.ask())));
        return asks.stream().map(ProbeSpec.Ask::endpoint).toList();
    }

    /** Whether {@code application} is one of {@code service}'s and has a scaling policy: what an alert may scale. */
    public boolean scales(String service, String application) {
        ApplicationSpec app = applications.get(application);
        return app != null && app.scaling().isPresent() && services.containsKey(service)
                && services.get(service).applications().contains(application);
    }
}
