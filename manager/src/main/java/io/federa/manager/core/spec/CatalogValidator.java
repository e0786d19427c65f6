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
    /** One MBean's name: {@code domain:key=value,…}, no pattern, no quoted value (JMX's ObjectName, kept simple). */
    static final Pattern MBEAN = Pattern.compile("(?=.{3,256}$)[^:*?\"\\n,=]+:[^:*?\"\\n,=]+=[^:*?\"\\n,=]+(,[^:*?\"\\n,=]+=[^:*?\"\\n,=]+)*");
    /** An MBean attribute's name, as Jolokia reads it (no path separators, no commas). */
    static final Pattern ATTRIBUTE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,127}");
    /** A numeric OID: at least two arcs, each at most 4294967295 (checked apart), at most 128 arcs. */
    static final Pattern OID = Pattern.compile("[0-2](\\.(0|[1-9][0-9]{0,9})){1,127}");
    /** A read-only community: 1 to 64 printable ASCII characters. */
    static final Pattern COMMUNITY = Pattern.compile("[!-~]{1,64}");
    private static final Set<String> PROBE_KINDS = Set.of("http", "jolokia", "snmp");

    private ProbeSpec probe(Object node, String p) {
        Map<String, Object> m = map(node, p);
        if (m == null) {
            return null;
        }
        known(m, p, Set.of("http", "jolokia", "snmp", "every", "timeout", "restartAfter", "startGrace", "loadField"));
        int before = errors.size();
        List<String> kinds = m.keySet().stream().filter(PROBE_KINDS::contains).sorted().toList();
        ProbeSpec.Ask ask = null;
        if (kinds.size() != 1) {
            error(p, (kinds.isEmpty() ? "says nothing to ask" : "asks " + String.join(" and ", kinds))
                    + ": it must have exactly one of http (e.g. { port: 80, path: /health }), jolokia (e.g. { port: 8778,"
                    + " mbean: \"app:type=Health\", attribute: Healthy }) or snmp (e.g. { port: 161, oid: 1.3.6.1.2.1.1.3.0 })");
        } else {
            String kind = kinds.get(0);
            Map<String, Object> k = map(m.get(kind), p + "." + kind);
            if (k != null) {
                ask = switch (kind) {
                    case "http" -> http(k, p + ".http");
                    case "jolokia" -> jolokia(k, p + ".jolokia");
                    default -> snmp(k, p + ".snmp");
                };
            }
        }
        Duration every = duration(m.get("every"), p + ".every", ProbeSpec.DEFAULT_EVERY);
        Duration timeout = duration(m.get("timeout"), p + ".timeout", ProbeSpec.DEFAULT_TIMEOUT);
        int restartAfter = (int) integer(m.get("restartAfter"), p + ".restartAfter", 0, 1000, (long) ProbeSpec.DEFAULT_RESTART_AFTER);
        Duration grace = duration(m.get("startGrace"), p + ".startGrace", ProbeSpec.DEFAULT_START_GRACE);
        Optional<String> loadField = Optional.empty();
        if (m.get("loadField") != null) {
            loadField = Optional.of(switch (kinds.size() == 1 ? kinds.get(0) : "http") {
                case "jolokia" -> string(m.get("loadField"), p + ".loadField", ATTRIBUTE,
                        "the name of an attribute of the probe's MBean whose value is a number from 0 to 1");
                case "snmp" -> oid(m.get("loadField"), p + ".loadField", "whose value is a percentage, 0 to 100");
                default -> string(m.get("loadField"), p + ".loadField", LOAD_FIELD,
                        "the name of a top-level number of the probe's JSON answer");
            });
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
        return errors.size() > before ? null : new ProbeSpec(ask, every, timeout, restartAfter, grace, loadField);
    }

    private ProbeSpec.Ask http(Map<String, Object> http, String p) {
        known(http, p, Set.of("port", "path"));
        int port = (int) integer(http.get("port"), p + ".port", 1, 65_535, null);
        int before = errors.size();
        String path = string(http.get("path"), p + ".path", "/");
        if (errors.size() == before && !PROBE_PATH.matcher(path).matches()) {
            error(p + ".path", "must be a path beginning with / of at most 256 printable characters without spaces"
                    + " or #, got " + describe(path));
        }
        return new ProbeSpec.Http(port, path);
    }

    private ProbeSpec.Ask jolokia(Map<String, Object> j, String p) {
        known(j, p, Set.of("port", "path", "mbean", "attribute"));
        int port = (int) integer(j.get("port"), p + ".port", 1, 65_535, null);
        int before = errors.size();
        String path = string(j.get("path"), p + ".path", "/jolokia/");
        if (errors.size() == before && !PROBE_PATH.matcher(path).matches()) {
            error(p + ".path", "must be the agent's path beginning with / (default /jolokia/), got " + describe(path));
        }
        before = errors.size();
        String mbean = string(j.get("mbean"), p + ".mbean", null);
        if (errors.size() == before) {
            java.util.Set<String> keys = new java.util.HashSet<>();
            boolean ok = MBEAN.matcher(mbean).matches();
            if (ok) {
                for (String property : mbean.substring(mbean.indexOf(':') + 1).split(",")) {
                    ok &= keys.add(property.substring(0, property.indexOf('=')));
                }
            }
            if (!ok) {
                error(p + ".mbean", "must name one MBean as domain:key=value,… (each key once; no pattern characters * or ?,"
                        + " no quoted values; at most 256 characters), got " + describe(mbean));
            }
        }
        String attribute = string(j.get("attribute"), p + ".attribute", ATTRIBUTE, "an attribute's name such as Healthy");
        return new ProbeSpec.Jolokia(port, path, mbean, attribute);
    }

    private ProbeSpec.Ask snmp(Map<String, Object> s, String p) {
        known(s, p, Set.of("port", "oid", "community"));
        int port = (int) integer(s.get("port"), p + ".port", 1, 65_535, 161L);
        String oid = oid(s.get("oid"), p + ".oid", "to GET, such as 1.3.6.1.2.1.1.3.0 (sysUpTime.0)");
        String community = s.get("community") == null ? "public" : string(s.get("community"), p + ".community", COMMUNITY,
                "1 to 64 printable characters without spaces");
        return new ProbeSpec.Snmp(port, oid, community);
    }

    /** A numeric OID (what it is for, in {@code what}), every arc within 32 bits. */
    private String oid(Object node, String p, String what) {
        int before = errors.size();
        String oid = string(node, p, OID, "a numeric OID " + what);
        if (errors.size() == before) {
            for (String arc : oid.split("\\.")) {
                if (Long.parseLong(arc) > 0xFFFF_FFFFL) {
                    error(p, "has an arc above 4294967295: " + arc);
                    break;
                }
            }
        }
        return oid;
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
