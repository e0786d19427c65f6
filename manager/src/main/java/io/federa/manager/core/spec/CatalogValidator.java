package io.federa.manager.core.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a definition document — already parsed into plain maps, lists, strings, numbers and
 * booleans — and either builds a {@link Catalog} or lists every error with the path of its field.
 * Nothing is half-accepted: one error and no catalog. Pure: no I/O, no clock.
 *
 * <p>The document: {@code applications:} (each defined once) and {@code services:} (each a name
 * and the applications it groups). See docs/services.md.
 */
public final class CatalogValidator extends TreeReader {
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern RUNTIME = Pattern.compile("[a-z][a-z0-9-]{0,31}");
    static final int MAX_REPLICAS = 1000;
    /**
     * Instances a catalog may ask for in all, each application counted at its scaling maximum:
     * every reconcile pass, placement and explanation grows with it, and the manager's heap and
     * passes are measured up to it (docs/benchmarks.md). A catalog past it is refused whole.
     */
    public static final int MAX_INSTANCES = 10_000;

    /** The outcome: a catalog, or the errors (never both). */
    public record Result(Optional<Catalog> catalog, List<SpecError> errors) {
        public Result {
            errors = List.copyOf(errors);
        }

        public boolean ok() {
            return catalog.isPresent();
        }
    }

    private CatalogValidator() {
    }

    public static Result validate(Object document) {
        return new CatalogValidator().run(document);
    }

    private Result run(Object document) {
        Map<String, Object> root = map(document, "");
        if (root == null) {
            return done(null);
        }
        known(root, "", Set.of("applications", "services"));
        Map<String, ApplicationSpec> apps = new LinkedHashMap<>();
        Map<String, String> appPaths = new LinkedHashMap<>();
        List<Object> appList = list(root.get("applications"), "applications", true);
        if (appList != null) {
            for (int i = 0; i < appList.size(); i++) {
                String p = "applications[" + i + "]";
                ApplicationSpec a = application(appList.get(i), p);
                if (a != null) {
                    if (apps.containsKey(a.name())) {
                        error(p + ".name", "application \"" + a.name() + "\" is defined twice (first at " + appPaths.get(a.name()) + ")");
                    } else {
                        apps.put(a.name(), a);
                        appPaths.put(a.name(), p);
                    }
                }
            }
        }
        // An application that runs in another's VMs has that one's runtime and replicas.
        apps.replaceAll((k, a) -> a.runsIn().map(apps::get).filter(h -> !h.hosted()).map(h -> new ApplicationSpec(a.name(), h.runtime(),
                a.resources(), h.replicas(), a.minAvailable(), a.dependsOn(), a.placement(), a.scaling(), a.data(), a.probe(),
                a.runsIn())).orElse(a));
        // The rules between definitions are the catalog's own (Catalog); here with each field's path.
        errors.addAll(Catalog.referenceProblems(apps, appPaths::get));
        if (errors.isEmpty()) {
            errors.addAll(Catalog.cycleProblems(apps, appPaths::get));
        }
        long instances = 0;
        for (ApplicationSpec a : apps.values()) {
            if (!a.hosted()) {
                instances += Math.max(a.replicas(), a.scaling().map(ScalingPolicy::maxInstances).orElse(0));
            }
        }
        if (instances > MAX_INSTANCES) {
            error("applications", "ask for " + instances + " instances in all (replicas, or the scaling maximum where"
                    + " larger); a catalog may ask for at most " + MAX_INSTANCES);
        }

        Map<String, ServiceSpec> services = new LinkedHashMap<>();
        List<Object> serviceList = list(root.get("services"), "services", true);
        if (serviceList != null) {
            for (int i = 0; i < serviceList.size(); i++) {
                String p = "services[" + i + "]";
                ServiceSpec s = service(serviceList.get(i), p, apps);
                if (s != null) {
                    if (services.containsKey(s.name())) {
                        error(p + ".name", "service \"" + s.name() + "\" is defined twice");
                    } else {
                        services.put(s.name(), s);
                    }
                }
            }
        }
        return done(errors.isEmpty() ? new Catalog(apps, services) : null);
    }

    private Result done(Catalog c) {
        return new Result(Optional.ofNullable(c), errors);
    }

    private ApplicationSpec application(Object node, String p) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("name", "runtime", "resources", "replicas", "minAvailable", "dependsOn", "placement", "scaling",
                "data", "probe", "runsIn"));
        if (m.containsKey("runsIn")) {
            return hosted(m, p);
        }
        int before = errors.size();
        String name = name(m.get("name"), p + ".name");
        String runtime = string(m.get("runtime"), p + ".runtime", RUNTIME, "a runtime name such as kvm or jvm");
        Resources resources = resources(m.get("resources"), p + ".resources");
        int replicas = (int) integer(m.get("replicas"), p + ".replicas", 1, MAX_REPLICAS, 1L);
        int minAvailable = (int) integer(m.get("minAvailable"), p + ".minAvailable", 0, MAX_REPLICAS, (long) replicas);
        if (minAvailable > replicas && errors.size() == before) {
            error(p + ".minAvailable", "is " + minAvailable + " but the application has only " + replicas + " replicas");
        }
        List<String> dependsOn = names(m.get("dependsOn"), p + ".dependsOn");
        PlacementRules placement = placement(m.get("placement"), p + ".placement");
        Optional<ScalingPolicy> scaling = m.containsKey("scaling")
                ? Optional.ofNullable(scaling(m.get("scaling"), p + ".scaling", replicas)) : Optional.empty();
        ApplicationSpec.Data data = choice(m.get("data"), p + ".data",
                Map.of("local", ApplicationSpec.Data.LOCAL, "none", ApplicationSpec.Data.NONE), ApplicationSpec.Data.LOCAL);
        Optional<ProbeSpec> probe = m.containsKey("probe") ? Optional.ofNullable(probe(m.get("probe"), p + ".probe")) : Optional.empty();
        if (errors.size() > before) {
            return null;
        }
        return new ApplicationSpec(name, runtime, resources, replicas, minAvailable, dependsOn, placement, scaling, data, probe);
    }

    /**
     * An application that runs in another's VMs: a name, the application, its probe (required: a
     * VM that runs says nothing of it), and optionally what it depends on and its minAvailable
     * (default 1). Its runtime and replicas are set from the other application once all are read.
     */
    private ApplicationSpec hosted(Map<String, Object> m, String p) {
        int before = errors.size();
        String name = name(m.get("name"), p + ".name");
        String host = name(m.get("runsIn"), p + ".runsIn");
        for (String own : List.of("runtime", "resources", "replicas", "placement", "scaling", "data")) {
            if (m.containsKey(own)) {
                error(p + "." + own, "is not an application's own when it runs in another's VMs (runsIn: " + host + "): it has "
                        + host + "'s VMs, runtime and replicas, and scales with " + host);
            }
        }
        int minAvailable = (int) integer(m.get("minAvailable"), p + ".minAvailable", 0, MAX_REPLICAS, 1L);
        List<String> dependsOn = names(m.get("dependsOn"), p + ".dependsOn");
        Optional<ProbeSpec> probe = Optional.empty();
        if (m.get("probe") == null) {
            error(p + ".probe", "is required for an application that runs in another's VMs: its VM running says nothing of it");
        } else {
            probe = Optional.ofNullable(probe(m.get("probe"), p + ".probe"));
        }
        if (errors.size() > before) {
            return null;
        }
        return new ApplicationSpec(name, "", new Resources(0, 0, 0, 0), 0, minAvailable, dependsOn, PlacementRules.defaults(),
                Optional.empty(), ApplicationSpec.Data.NONE, probe, Optional.of(host));
    }

    /** A URL path a probe may ask: absolute, printable ASCII, no spaces, no fragment. */
    static final Pattern PROBE_PATH = Pattern.compile("/[!-~&&[^#\\s]]{0,255}");
    static final Pattern LOAD_FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    private ProbeSpec probe(Object node, String p) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("http", "every", "timeout", "restartAfter", "startGrace", "loadField"));
        int before = errors.size();
        Map<String, Object> http = m.get("http") == null ? null : map(m.get("http"), p + ".http");
        if (m.get("http") == null) {
            error(p + ".http", "is required: the guest's port and the path the manager asks, e.g. { port: 80, path: /health }");
        }
        int port = 0;
        String path = "/";
        if (http != null) {
            known(http, p + ".http", Set.of("port", "path"));
            port = (int) integer(http.get("port"), p + ".http.port", 1, 65_535, null);
            int beforePath = errors.size();
            path = string(http.get("path"), p + ".http.path", "/");
            if (errors.size() == beforePath && !PROBE_PATH.matcher(path).matches()) {
                error(p + ".http.path", "must be a path beginning with / of at most 256 printable characters without spaces"
                        + " or #, got " + describe(path));
            }
        }
        Duration every = duration(m.get("every"), p + ".every", ProbeSpec.DEFAULT_EVERY);
        Duration timeout = duration(m.get("timeout"), p + ".timeout", ProbeSpec.DEFAULT_TIMEOUT);
        int restartAfter = (int) integer(m.get("restartAfter"), p + ".restartAfter", 0, 1000, (long) ProbeSpec.DEFAULT_RESTART_AFTER);
        Duration grace = duration(m.get("startGrace"), p + ".startGrace", ProbeSpec.DEFAULT_START_GRACE);
        Optional<String> loadField = Optional.empty();
        if (m.get("loadField") != null) {
            loadField = Optional.of(string(m.get("loadField"), p + ".loadField", LOAD_FIELD,
                    "the name of a top-level number of the probe's JSON answer"));
        }
        if (errors.size() == before) {
            if (every.compareTo(Duration.ofSeconds(1)) < 0 || every.compareTo(Duration.ofMinutes(10)) > 0) {
                error(p + ".every", "is " + m.get("every") + " but must be between 1s and 10m");
            } else if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(every) >= 0) {
                error(p + ".timeout", "is " + (m.get("timeout") == null ? "2s (the default)" : m.get("timeout"))
                        + " but must be at least 100ms and shorter than every (" + (m.get("every") == null ? "5s" : m.get("every")) + ")");
            }
            if (grace.compareTo(Duration.ofHours(1)) > 0) {
                error(p + ".startGrace", "is " + m.get("startGrace") + " but must be at most 1h");
            }
        }
        return errors.size() > before ? null : new ProbeSpec(port, path, every, timeout, restartAfter, grace, loadField);
    }

    private Resources resources(Object node, String p) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("vcpus", "memoryMiB", "diskGiB", "networkMbps", "diskFormat"));
        return new Resources((int) integer(m.get("vcpus"), p + ".vcpus", 1, 256, null),
                integer(m.get("memoryMiB"), p + ".memoryMiB", 16, 4L * 1024 * 1024, null),
                integer(m.get("diskGiB"), p + ".diskGiB", 1, 64L * 1024, null),
                integer(m.get("networkMbps"), p + ".networkMbps", 0, 10_000_000, 0L),
                choice(m.get("diskFormat"), p + ".diskFormat", Map.of(Resources.RAW, Resources.RAW,
                        Resources.QCOW2, Resources.QCOW2), Resources.RAW));
    }

    private PlacementRules placement(Object node, String p) {
        if (node == null) {
            return PlacementRules.defaults();
        }
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return PlacementRules.defaults();
        }
        known(m, p, Set.of("spreadReplicas", "avoid", "offsiteForbidden", "minSecurityLevel", "cost"));
        PlacementRules.Spread spread = choice(m.get("spreadReplicas"), p + ".spreadReplicas",
                Map.of("host", PlacementRules.Spread.HOST, "site", PlacementRules.Spread.SITE, "none", PlacementRules.Spread.NONE),
                PlacementRules.Spread.HOST);
        PlacementRules.CostPreference cost = choice(m.get("cost"), p + ".cost",
                Map.of("prefer-cheapest", PlacementRules.CostPreference.PREFER_CHEAPEST, "ignore", PlacementRules.CostPreference.IGNORE),
                PlacementRules.CostPreference.PREFER_CHEAPEST);
        return new PlacementRules(spread, names(m.get("avoid"), p + ".avoid"),
                bool(m.get("offsiteForbidden"), p + ".offsiteForbidden", false),
                (int) integer(m.get("minSecurityLevel"), p + ".minSecurityLevel", 0, 100, 0L), cost);
    }

    /** The shortest and longest {@code scaling.ahead}: one step of the load's forecast, and a quarter of a day. */
    static final Duration AHEAD_MIN = Duration.ofMinutes(5);
    static final Duration AHEAD_MAX = Duration.ofHours(6);

    private ScalingPolicy scaling(Object node, String p, int replicas) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("metric", "scaleOutAbove", "scaleInBelow", "for", "min", "max", "cooldown", "scaleInWindow", "ahead"));
        int before = errors.size();
        ScalingPolicy.Metric metric = choice(m.get("metric"), p + ".metric",
                Map.of("cpu", ScalingPolicy.Metric.CPU_LOAD, "application", ScalingPolicy.Metric.APPLICATION_LOAD),
                ScalingPolicy.Metric.CPU_LOAD);
        double above = ratio(m.get("scaleOutAbove"), p + ".scaleOutAbove");
        double below = ratio(m.get("scaleInBelow"), p + ".scaleInBelow");
        int min = (int) integer(m.get("min"), p + ".min", 1, MAX_REPLICAS, (long) replicas);
        int max = (int) integer(m.get("max"), p + ".max", 1, MAX_REPLICAS, null);
        Duration holdFor = duration(m.get("for"), p + ".for", Duration.ofSeconds(30));
        Duration cooldown = duration(m.get("cooldown"), p + ".cooldown", Duration.ofSeconds(60));
        Duration window = duration(m.get("scaleInWindow"), p + ".scaleInWindow", Duration.ofMinutes(5));
        Duration ahead = duration(m.get("ahead"), p + ".ahead", Duration.ZERO);
        if (errors.size() == before && !ahead.isZero()) {
            if (ahead.compareTo(AHEAD_MIN) < 0 || ahead.compareTo(AHEAD_MAX) > 0) {
                error(p + ".ahead", "is " + m.get("ahead") + " but must be between 5m and 6h (the load is forecast by "
                        + "5-minute steps, from 7 days of them)");
            } else if (metric != ScalingPolicy.Metric.CPU_LOAD) {
                error(p + ".ahead", "needs metric: cpu (only the VMs' CPU load is stored and forecast)");
            }
        }
        if (errors.size() == before) {
            if (below >= above) {
                error(p + ".scaleInBelow", "is " + below + " but must be below scaleOutAbove (" + above + "), or the application would flap");
            }
            if (min > max) {
                error(p + ".min", "is " + min + " but max is " + max);
            }
        }
        return errors.size() > before ? null
                : new ScalingPolicy(metric, above, below, holdFor, min, max, cooldown, window, ahead);
    }

    private ServiceSpec service(Object node, String p, Map<String, ApplicationSpec> apps) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("name", "description", "applications"));
        int before = errors.size();
        String name = name(m.get("name"), p + ".name");
        String description = m.get("description") == null ? "" : text(m.get("description"), p + ".description");
        List<String> members = names(m.get("applications"), p + ".applications");
        if (m.get("applications") == null) {
            error(p + ".applications", "is required: a service groups at least one application");
        } else if (errors.size() == before) {
            errors.addAll(Catalog.serviceProblems(new ServiceSpec(name, description, members), apps.keySet(), p));
        }
        return errors.size() > before ? null : new ServiceSpec(name, description, members);
    }

    private String name(Object node, String p) {
        return string(node, p, NAME, "1 to 63 lower-case letters, digits or inner hyphens");
    }

    private List<String> names(Object node, String p) {
        List<Object> l = list(node, p, true);
        List<String> out = new ArrayList<>();
        if (l == null) {
            return out;
        }
        for (int i = 0; i < l.size(); i++) {
            out.add(name(l.get(i), p + "[" + i + "]"));
        }
        return out;
    }
}
