package io.federa.manager.http;

import io.federa.common.http.AuthThrottle;
import io.federa.common.http.GuardedServer;
import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.availability.ServiceView;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.SpecError;
import io.federa.manager.store.DefinitionStore;
import io.federa.manager.store.StoreUnavailableException;
import io.federa.manager.core.events.Event;
import io.federa.manager.core.lifecycle.DesiredState;
import io.federa.manager.core.lifecycle.ManagedInstance;
import io.federa.manager.core.lifecycle.Reconciler;
import io.federa.manager.core.placement.Explanation;
import io.federa.manager.core.placement.HostVerdict;
import io.federa.manager.core.placement.Outcome;
import io.federa.manager.core.placement.Placement;
import io.federa.manager.core.placement.PlacementRequest;
import io.federa.manager.cluster.LeadershipVerticle;
import io.federa.manager.core.lease.Standing;
import io.federa.manager.lifecycle.LifecycleVerticle;
import io.federa.manager.store.LeadershipStore;
import io.federa.manager.history.HistoryVerticle;
import io.federa.manager.metrics.ManagerMetrics;
import io.federa.manager.store.HistoryStore;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The manager's REST API under {@code /api/v1}. Every route but {@code /health} needs a bearer
 * token; viewers read, operators also apply definitions. Errors are JSON
 * {@code {error, detail, field}} with the status that fits. Thin: reads come from the current
 * inventory and catalog; the store's blocking JDBC calls run on a worker.
 */
public final class ApiVerticle extends VerticleBase {
    private final ManagerConfig.Api api;
    private java.util.Optional<io.federa.manager.tls.ManagerTls> tls = java.util.Optional.empty();

    /** Serves HTTPS only, with this TLS; set before deploying. */
    public ApiVerticle tls(java.util.Optional<io.federa.manager.tls.ManagerTls> tls) {
        this.tls = tls;
        return this;
    }
    private final List<ManagerConfig.Token> tokens;
    private final AuthThrottle throttle = new AuthThrottle();
    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final Consumer<Catalog> catalogChanged;
    private final DefinitionStore store;
    private final HistoryStore historyStore;
    private final HistoryVerticle history;
    private final PrometheusRegistry registry;
    private final LifecycleVerticle lifecycle;
    private final LeadershipVerticle leadership;
    private final io.federa.manager.audit.AuditLog audit;
    private final io.federa.manager.cost.CostReports costReports;
    private final PrometheusTextFormatWriter metricsWriter = PrometheusTextFormatWriter.create();
    private GuardedServer server;
    /** The routes whose body may reach {@code api.maxBodyBytes}; the others take 64 KiB. */
    /** Instances one explanation covers at most: a pass over every host each. */
    static final int EXPLAIN_MAX_INSTANCES = 1_000;
    /** The longest an explanation may compute before it is given up (and answered 503). */
    static final java.time.Duration EXPLAIN_BUDGET = java.time.Duration.ofSeconds(10);
    /** Explanations computed at once, and waiting beyond them; more are answered 503. */
    static final int EXPLAIN_AT_ONCE = 1;
    static final int EXPLAIN_WAITING = 4;
    private final java.util.concurrent.atomic.AtomicInteger explaining = new java.util.concurrent.atomic.AtomicInteger();
    private io.vertx.core.WorkerExecutor explainer;
    private static final java.util.Set<String> LARGE_BODIES = java.util.Set.of("/api/v1/definitions", "/api/v1/alerts");
    private Buffer openApi;
    private Router router;
    /** Alert occurrences already acted on (fingerprint and start), the newest 10,000. */
    private final Map<String, Boolean> seenAlerts = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(1024, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 10_000;
                }
            });

    /** What the API reads and changes. */
    public record Sources(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, Consumer<Catalog> catalogChanged,
                          DefinitionStore definitions, HistoryStore historyStore, HistoryVerticle history,
                          PrometheusRegistry registry, LifecycleVerticle lifecycle, LeadershipVerticle leadership,
                          io.federa.manager.audit.AuditLog audit, io.federa.manager.cost.CostReports costReports) {
        /** Without cost reports: the API answers 503 for them. */
        public Sources(Supplier<InventorySnapshot> inventory, Supplier<Catalog> catalog, Consumer<Catalog> catalogChanged,
                       DefinitionStore definitions, HistoryStore historyStore, HistoryVerticle history,
                       PrometheusRegistry registry, LifecycleVerticle lifecycle, LeadershipVerticle leadership,
                       io.federa.manager.audit.AuditLog audit) {
            this(inventory, catalog, catalogChanged, definitions, historyStore, history, registry, lifecycle, leadership, audit,
                    null);
        }
    }

    public ApiVerticle(ManagerConfig.Api api, List<ManagerConfig.Token> tokens, Sources sources) {
        this.api = api;
        this.tokens = List.copyOf(tokens);
        this.inventory = sources.inventory();
        this.catalog = sources.catalog();
        this.catalogChanged = sources.catalogChanged();
        this.store = sources.definitions();
        this.historyStore = sources.historyStore();
        this.history = sources.history();
        this.registry = sources.registry();
        this.lifecycle = sources.lifecycle();
        this.leadership = sources.leadership();
        this.audit = sources.audit();
        this.costReports = sources.costReports();
    }

    /** The audit log is written out before the manager stops. */
    @Override
    public Future<?> stop() {
        Future<Void> closed = server == null ? Future.succeededFuture() : server.stop();
        return closed.transform(ar -> audit.close());
    }

    @Override
    public Future<?> start() {
        try (InputStream in = ApiVerticle.class.getResourceAsStream("openapi.yaml")) {
            openApi = Buffer.buffer(in.readAllBytes());
        } catch (IOException | NullPointerException e) {
            return Future.failedFuture("the OpenAPI document is missing from the program: " + e);
        }
        explainer = vertx.createSharedWorkerExecutor("federa-explain", EXPLAIN_AT_ONCE);
        Router r = Router.router(vertx);
        r.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
        r.get("/metrics").handler(this::authenticate).handler(this::metrics);
        r.route("/api/v1/*").handler(this::audited);
        r.route("/api/v1/*").handler(this::authenticate);
        r.route("/api/v1/*").handler(this::documentsOnly);
        // A definitions document or a webhook notification may be large; nothing else is.
        BodyHandler large = BodyHandler.create().setBodyLimit(api.maxBodyBytes()).setHandleFileUploads(false);
        BodyHandler small = BodyHandler.create().setBodyLimit(Math.min(api.maxBodyBytes(), ManagerConfig.Api.SMALL_BODY_BYTES))
                .setHandleFileUploads(false);
        r.route("/api/v1/*").handler(ctx -> (LARGE_BODIES.contains(ctx.request().path()) ? large : small).handle(ctx));
        r.route("/api/v1/*").handler(this::leaderOnlyChanges);
        r.get("/api/v1/managers").handler(this::managers);
        r.get("/api/v1/version").handler(ctx -> json(ctx, 200, new JsonObject().put("version", io.federa.common.Build.version())
                .put("manager", leadership.name())));
        r.get("/api/v1/hosts").handler(this::hosts);
        r.get("/api/v1/vms").handler(this::vms);
        r.post("/api/v1/vms/:name/destroy").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> vmCommand(ctx, LifecycleVerticle.VmCommand.DESTROY, 0));
        r.put("/api/v1/vms/:name/load").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::setLoad);
        r.delete("/api/v1/vms/:name/load").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> vmCommand(ctx, LifecycleVerticle.VmCommand.CLEAR_LOAD, 0));
        r.get("/api/v1/services").handler(this::services);
        r.get("/api/v1/services/:name").handler(this::service);
        r.get("/api/v1/services/:name/history").handler(this::serviceHistory);
        r.get("/api/v1/events").handler(this::events);
        r.get("/api/v1/cost").handler(this::cost);
        r.get("/api/v1/forecast").handler(this::forecast);
        r.get("/api/v1/audit").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::auditLog);
        r.get("/api/v1/services/:name/explain").handler(this::explain);
        r.post("/api/v1/services/:name/start").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> desire(ctx, DesiredState.STARTED));
        r.post("/api/v1/services/:name/stop").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> desire(ctx, DesiredState.STOPPED));
        r.post("/api/v1/alerts").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::alerts);
        r.post("/api/v1/hosts/:host/cordon").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> cordon(ctx, true));
        r.post("/api/v1/hosts/:host/uncordon").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR))
                .handler(ctx -> cordon(ctx, false));
        r.get("/api/v1/migrations").handler(this::migrations);
        r.get("/api/v1/migrations/:id").handler(this::migration);
        r.post("/api/v1/migrations").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::migrate);
        r.post("/api/v1/hosts/:host/drain").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::drain);
        r.get("/api/v1/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(openApi));
        r.post("/api/v1/definitions").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::apply);
        r.delete("/api/v1/services/:name").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::delete);
        r.route().last().handler(ctx -> error(ctx, 404, "not found", "no route " + ctx.request().method() + " " + ctx.request().path(), null));
        r.errorHandler(413, ctx -> error(ctx, 413, "payload too large", "the body is larger than "
                + (LARGE_BODIES.contains(ctx.request().path()) ? api.maxBodyBytes() : Math.min(api.maxBodyBytes(),
                ManagerConfig.Api.SMALL_BODY_BYTES)) + " bytes, the most " + ctx.request().path() + " takes", null));
        r.errorHandler(500, ctx -> error(ctx, 500, "internal error", "the manager failed to answer this request", null));
        r.errorHandler(405, ctx -> error(ctx, 405, "method not allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
        this.router = r;
        return GuardedServer.start(vertx, "api", api.address(), api.port(), api.limits(), tls, req -> {
            // Every request's body must arrive, and its answer leave, within the request timeout.
            GuardedServer listening = server;
            if (listening != null) {
                listening.deadline(req);
            }
            r.handle(req);
        }).onSuccess(s -> server = s);
    }

    /**
     * Every route served, as "METHOD /path/{param}" in the OpenAPI document's spelling, read from
     * the router itself. The handlers every request under a prefix passes (audit, authentication,
     * body limits) and the last route (404 for what nothing serves) answer no request of their
     * own and are left out; a route of any other shape is listed as it is (ANY for every method,
     * REGEX for a pattern) so that the document's test names it.
     */
    public java.util.SortedSet<String> routes() {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        for (io.vertx.ext.web.Route route : router.getRoutes()) {
            // A path with parameters is matched through a pattern too, but keeps its path.
            boolean everyPath = route.getPath() == null && !route.isRegexPath();
            boolean prefix = route.getPath() != null && !route.isExactPath();
            if (route.methods() == null && (everyPath || prefix)) {
                continue;
            }
            String path = route.getPath() == null ? (route.isRegexPath() ? "REGEX " + route.getName() : "*")
                    : route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
            if (route.methods() == null) {
                out.add("ANY " + path);
            } else {
                route.methods().forEach(m -> out.add(m.name() + " " + path));
            }
        }
        return out;
    }

    public int actualPort() {
        return server.port();
    }

    /** The API's listener: its connections refused and timed out, for /metrics. */
    public GuardedServer listener() {
        return server;
    }

    private void authenticate(RoutingContext ctx) {
        String client = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
        long wait = throttle.retryAfterSeconds(client);
        if (wait > 0) {
            ctx.response().putHeader("Retry-After", Long.toString(wait));
            error(ctx, 429, "too many requests", "too many failed authentications from " + client + "; try again in "
                    + wait + " s", null);
            return;
        }
        String h = ctx.request().getHeader("Authorization");
        if (h == null || !h.startsWith("Bearer ")) {
            throttle.failed(client);
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"federa\"");
            error(ctx, 401, "unauthorized", "a bearer token is required", null);
            return;
        }
        byte[] given = h.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        ManagerConfig.Token match = null;
        for (ManagerConfig.Token t : tokens) {
            if (MessageDigest.isEqual(t.secret().getBytes(StandardCharsets.UTF_8), given)) {
                match = t;
            }
        }
        if (match == null) {
            throttle.failed(client);
            error(ctx, 401, "unauthorized", "the token is not valid", null);
            return;
        }
        throttle.succeeded(client);
        ctx.put("role", match.role());
        ctx.put("who", match.name());
        ctx.next();
    }

    /** Bodies are documents (YAML or JSON), never forms: a form decoder would mangle them. */
    private void documentsOnly(RoutingContext ctx) {
        String type = ctx.request().getHeader("Content-Type");
        if (type != null && (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/"))) {
            error(ctx, 415, "unsupported media type", "send the document as application/yaml or application/json, not "
                    + type.split(";")[0], null);
            return;
        }
        ctx.next();
    }

    private void require(RoutingContext ctx, ManagerConfig.Role least) {
        ManagerConfig.Role role = ctx.get("role");
        if (role.ordinal() < least.ordinal()) {
            error(ctx, 403, "forbidden", "this needs the " + least.name().toLowerCase() + " role; the token is "
                    + role.name().toLowerCase(), null);
            return;
        }
        ctx.next();
    }

    /**
     * Every change asked of the API goes to the audit log once answered, allowed or not: who (the
     * token's name, never its value), from where, what (method and path, never the body), and the
     * answer's status.
     */
    private void audited(RoutingContext ctx) {
        io.vertx.core.http.HttpMethod m = ctx.request().method();
        if (!m.equals(io.vertx.core.http.HttpMethod.GET) && !m.equals(io.vertx.core.http.HttpMethod.HEAD)
                && !m.equals(io.vertx.core.http.HttpMethod.OPTIONS)) {
            String action = m.name() + " " + clip(ctx.request().path());
            String from = ctx.request().remoteAddress() == null ? "" : ctx.request().remoteAddress().hostAddress();
            String target = auditTarget(ctx.request().path());
            ctx.addEndHandler(ar -> {
                String who = ctx.get("who");
                int status = ctx.response().getStatusCode();
                audit.record(who == null ? "unauthenticated" : "token " + who, from, action, target,
                        ar.succeeded() ? status + " " + io.netty.handler.codec.http.HttpResponseStatus.valueOf(status).reasonPhrase()
                                : "no answer: " + ar.cause().getMessage());
            });
        }
        ctx.next();
    }

    /** What a change is about, from its path: the service, host or migration it names. */
    static String auditTarget(String path) {
        String[] p = path.split("/");
        // /api/v1/<kind>/<name>[/<verb>]
        return p.length >= 5 ? clip(p[3] + "/" + p[4]) : p.length == 4 ? clip(p[3]) : "";
    }

    private void auditLog(RoutingContext ctx) {
        Long since = since(ctx, WallClock.millis() - HistoryVerticle.DAY);
        Integer limit = since == null ? null : limit(ctx);
        if (limit == null) {
            return;
        }
        vertx.executeBlocking(() -> historyStore.audit(since, limit))
                .onSuccess(entries -> {
                    JsonArray out = new JsonArray();
                    entries.forEach(e -> out.add(io.federa.manager.audit.AuditLog.json(e)));
                    json(ctx, 200, new JsonObject().put("entries", out).put("dropped", audit.dropped()));
                })
                .onFailure(e -> error(ctx, 503, "store unavailable", "the audit log cannot be read: " + e.getMessage(), null));
    }

    private void hosts(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        java.util.Set<String> cordoned = lifecycle.cordoned();
        InventorySnapshot inv = inventory.get();
        Map<String, Double> costs = io.federa.manager.core.placement.HostCosts.perHour(inv, catalog.get(),
                lifecycle.placement().networkLoadRatio());
        for (InventorySnapshot.Entry e : inv.agents().values()) {
            JsonObject o = new JsonObject().put("agent", e.agent()).put("reachability", e.health().state().name())
                    .put("since", Instant.ofEpochMilli(e.health().sinceMillis()).toString())
                    .put("reason", e.health().reason())
                    .put("lastPollAt", e.health().lastSuccessMillis() == 0 ? null
                            : Instant.ofEpochMilli(e.health().lastSuccessMillis()).toString());
            e.host().ifPresent(h -> o.put("host", h.hostId()).put("site", h.site()).put("offsite", h.offsite())
                    .put("securityLevel", h.securityLevel()).put("runtimes", new JsonArray(h.runtimes()))
                    .put("cpus", h.cpus()).put("vcpusAllocated", h.vcpusAllocated())
                    .put("memoryBytes", h.memoryBytes()).put("memoryAllocatedBytes", h.memoryAllocatedBytes())
                    .put("storageBytes", h.storageBytes()).put("storageAllocatedBytes", h.storageAllocatedBytes())
                    .put("networkBitsPerSecond", h.networkBitsPerSecond()).put("currency", h.currency())
                    .put("costPerCpuSecond", h.costPerCpuSecond())
                    .put("costPerHour", costs.getOrDefault(e.agent(), 0.0))
                    .put("fencedVms", h.fencedVms())
                    .put("sampledAt", Instant.ofEpochMilli(h.sampleTimestampMillis()).toString())
                    .put("cordoned", cordoned.contains(h.hostId())));
            out.add(o);
        }
        json(ctx, 200, new JsonObject().put("hosts", out));
    }

    /**
     * Every VM the agents report; {@code orphaned}: an instance of an application no service has
     * any more, stopped and kept with its data until {@code apply?prune=true}. With
     * {@code ?orphaned=true}, only those.
     */
    private void vms(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        java.util.Set<String> orphaned = new java.util.HashSet<>();
        lifecycle.orphaned().forEach(i -> orphaned.add(i.host() + "/" + i.name()));
        boolean onlyOrphaned = "true".equals(ctx.request().getParam("orphaned"));
        for (VmStatus v : inventory.get().vms()) {
            boolean isOrphan = orphaned.contains(v.host() + "/" + v.name());
            if (onlyOrphaned && !isOrphan) {
                continue;
            }
            out.add(new JsonObject().put("name", v.name()).put("orphaned", isOrphan).put("uuid", v.uuid()).put("host", v.host()).put("state", v.state())
                    .put("application", v.application()).put("service", v.service()).put("vcpus", v.vcpus())
                    .put("memoryBytes", v.memoryBytes()).put("diskBytes", v.diskBytes())
                    .put("networkReceiveBitsPerSecond", v.networkReceiveBitsPerSecond())
                    .put("networkTransmitBitsPerSecond", v.networkTransmitBitsPerSecond()).put("cpuLoadRatio", v.cpuLoadRatio()).put("uptimeSeconds", v.uptimeSeconds())
                    .put("endpoints", new JsonObject(new java.util.LinkedHashMap<>(v.endpoints()))));
        }
        json(ctx, 200, new JsonObject().put("vms", out));
    }

    /** {@code PUT /vms/{name}/load} with {@code {"ratio": 0.9}}: the VM's simulated CPU load. */
    private void setLoad(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null || !(body.getValue("ratio") instanceof Number n)) {
            error(ctx, 400, "bad request", "the body must be a JSON object such as {\"ratio\":0.9}: the VM's CPU load, 0 to 1",
                    "ratio");
            return;
        }
        for (String f : body.fieldNames()) {
            if (!f.equals("ratio")) {
                error(ctx, 400, "bad request", "unknown field (known: ratio)", clip(f));
                return;
            }
        }
        double ratio = n.doubleValue();
        if (!Double.isFinite(ratio) || ratio < 0 || ratio > 1) {
            error(ctx, 400, "bad request", "ratio must be a CPU load from 0 to 1 (0.9 is 90%), got " + n, "ratio");
            return;
        }
        vmCommand(ctx, LifecycleVerticle.VmCommand.SET_LOAD, ratio);
    }

    /** A command to one VM by its name, through its host's agent; {@code ?host=} says which copy when it is on two hosts. */
    private void vmCommand(RoutingContext ctx, LifecycleVerticle.VmCommand command, double ratio) {
        String name = ctx.pathParam("name");
        Optional<String> host = Optional.ofNullable(ctx.queryParams().get("host"));
        lifecycle.vmCommand(name, host, command, ratio, ctx.get("who")).onSuccess(done -> {
            JsonObject o = new JsonObject().put("vm", done.vm()).put("host", done.host());
            switch (command) {
                case DESTROY -> o.put("result", String.valueOf(done.answer()));
                case SET_LOAD -> o.put("loadRatio", ratio).put("simulated", true);
                case CLEAR_LOAD -> o.put("simulated", false);
            }
            json(ctx, 200, o);
        }).onFailure(e -> {
            if (e instanceof LifecycleVerticle.VmCommandFailed f) {
                switch (f.kind()) {
                    case NOT_FOUND -> error(ctx, 404, "not found", f.getMessage(), f.field());
                    case AMBIGUOUS -> error(ctx, 409, "ambiguous", f.getMessage(), f.field());
                    case REFUSED -> error(ctx, 409, "refused", f.getMessage(), f.field());
                    case FAILED -> error(ctx, 502, "agent failed", f.getMessage(), f.field());
                }
            } else {
                error(ctx, 500, "internal error", "the command failed: " + e.getMessage(), null);
            }
        });
    }

    /**
     * A service as the last interval's view has it (the same view the metrics export), with what
     * the lifecycle holds for it now: its desired state, instances and scaling targets.
     */
    private JsonObject status(Catalog c, String name) {
        Optional<ServiceView.Service> v = history.view().service(name);
        JsonObject headcounts = new JsonObject();
        v.ifPresent(s -> s.applications().forEach(a -> headcounts.put(a.name(), new JsonObject()
                .put("running", a.headcount().running()).put("wanted", a.headcount().wanted())
                .put("minAvailable", a.headcount().minAvailable()).put("canStopOne", a.headcount().canStopOne()))));
        return new JsonObject().put("name", name)
                // UNKNOWN: defined since the last interval, or started and not judged since the manager started, with no state recorded.
                .put("state", v.flatMap(ServiceView.Service::state).map(Enum::name).orElse("UNKNOWN"))
                .put("reasons", new JsonArray(v.map(ServiceView.Service::reasons)
                        .orElse(List.of("not in the service view yet: defined since its last interval"))))
                .put("judged", v.map(ServiceView.Service::judged).orElse(false))
                .put("applications", new JsonArray(c.services().get(name).applications()))
                .put("headcount", headcounts)
                .put("availability", ratios(name, WallClock.millis()))
                .put("desired", lifecycle.desired().getOrDefault(name, DesiredState.STOPPED).name())
                .put("converged", lifecycle.converged(name))
                .put("scaling", scalingOf(c, name))
                .put("instances", instances(c, name))
                .put("waiting", waiting(v));
    }

    private JsonObject scalingOf(Catalog c, String service) {
        JsonObject o = new JsonObject();
        for (String app : c.services().get(service).applications()) {
            Integer t = lifecycle.scalingTargets().get(app);
            if (t != null) {
                o.put(app, t);
            }
        }
        return o;
    }

    /**
     * The service's instances; {@code keptByOthers}: its application is one another started service
     * runs, so it keeps running when this one stops.
     */
    private JsonArray instances(Catalog c, String service) {
        java.util.Set<String> apps = new java.util.HashSet<>(c.services().get(service).applications());
        Map<String, DesiredState> others = new java.util.HashMap<>(lifecycle.desired());
        others.remove(service);
        java.util.Set<String> kept = Reconciler.keptRunning(c, others);
        // What the last interval's view saw of each instance: its VM, and its probe where it has one.
        Map<String, io.federa.manager.core.availability.InstanceStatus> seen = new java.util.HashMap<>();
        history.view().service(service).ifPresent(v -> v.applications().forEach(a -> a.instances()
                .forEach(s -> seen.put(s.application() + "/" + s.host() + "/" + s.vm(), s))));
        JsonArray out = new JsonArray();
        // The placed instances, and in their VMs those of the applications that run in them.
        Map<String, java.util.List<String>> hosted = new java.util.HashMap<>();
        c.applications().values().stream().filter(a -> a.hosted() && apps.contains(a.name()))
                .forEach(a -> hosted.computeIfAbsent(a.vmsOf(), k -> new java.util.ArrayList<>()).add(a.name()));
        lifecycle.instances().values().stream().filter(i -> apps.contains(i.application()) || hosted.containsKey(i.application()))
                .sorted(java.util.Comparator.comparing(ManagedInstance::name))
                .forEach(i -> {
                    java.util.List<String> in = new java.util.ArrayList<>();
                    if (apps.contains(i.application())) {
                        in.add(i.application());
                    }
                    in.addAll(hosted.getOrDefault(i.application(), java.util.List.of()));
                    for (String app : in) {
                        JsonObject o = new JsonObject().put("name", i.name()).put("application", app)
                                .put("host", i.host()).put("epoch", i.epoch()).put("keptByOthers", kept.contains(app));
                        if (!app.equals(i.application())) {
                            o.put("runsIn", i.application());
                        }
                        io.federa.manager.core.availability.InstanceStatus st = seen.get(app + "/" + i.host() + "/" + i.name());
                        if (st != null) {
                            o.put("vmState", st.vmState()).put("running", st.running());
                            st.probe().ifPresent(p -> {
                                JsonObject probe = new JsonObject().put("state", p.state().name()).put("reason", p.reason());
                                p.load().ifPresent(l -> probe.put("loadRatio", l));
                                o.put("probe", probe);
                            });
                        }
                        out.add(o);
                    }
                });
        return out;
    }

    /**
     * Only the leader carries out a change: a follower answers 503 with who leads and where, so
     * that a client sends it there (the federa command line does). Reads are answered by all.
     */
    private void leaderOnlyChanges(RoutingContext ctx) {
        io.vertx.core.http.HttpMethod m = ctx.request().method();
        if (m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD || lifecycle.acting()) {
            ctx.next();
            return;
        }
        Standing s = leadership.standing();
        if (s.leading()) {
            // It has just taken the lead and is reading what the leader before it left.
            error(ctx, 503, "taking the lead", "this manager is taking the lead (term " + s.term() + "); try again in a moment", null);
            return;
        }
        ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json").putHeader("Retry-After", "1")
                .end(new JsonObject().put("error", "not the leader").put("detail", "this manager does not lead: " + s.describe()
                        + "; send changes there").putNull("field").put("leader", s.leading() ? "" : s.leaderUrl()).encode());
    }

    private void managers(RoutingContext ctx) {
        Standing s = leadership.standing();
        long now = WallClock.millis();
        leadership.members().onComplete(ar -> {
            if (ar.failed()) {
                error(ctx, 503, "store unavailable", "cannot read the managers' register: " + ar.cause().getMessage(), null);
                return;
            }
            JsonArray members = new JsonArray();
            String leader = s.leading() ? leadership.name() : s.leader();
            for (LeadershipStore.Member mem : ar.result()) {
                // The register keeps what each manager last said; one silent for three claims is gone.
                String role = now - mem.seenAtMillis() > 3 * leadership.ttlMillis() ? "silent"
                        : mem.name().equals(leader) ? "leader" : "follower";
                members.add(new JsonObject().put("name", mem.name()).put("url", mem.url()).put("role", role)
                        .put("seenAt", java.time.Instant.ofEpochMilli(mem.seenAtMillis()).toString())
                        .put("ageSeconds", Math.max(0, now - mem.seenAtMillis()) / 1000.0).put("term", mem.term())
                        .put("leading", mem.leading()).put("agentsReachable", mem.agentsReachable()).put("agents", mem.agents()));
            }
            json(ctx, 200, new JsonObject().put("answeredBy", leadership.name()).put("leader", leader)
                    .put("leaderUrl", s.leaderUrl()).put("term", s.term()).put("members", members));
        });
    }

    /** What the last reconcile pass held back for this service's applications, and why (as the view has it). */
    private JsonArray waiting(Optional<ServiceView.Service> service) {
        JsonArray out = new JsonArray();
        LifecycleVerticle.Quorum q = lifecycle.quorum();
        if (!leadership.leadsNow()) {
            out.add("this manager follows (" + leadership.standing().describe() + "), which knows what waits");
        } else if (!q.held()) {
            out.add("this manager " + q.describe());
        }
        service.ifPresent(s -> s.applications().forEach(a -> a.waiting().forEach(w -> out.add(w.text()))));
        return out;
    }

    /** Alertmanager's webhook: answered at once; the scaling itself happens on the lifecycle's loop. */
    private void alerts(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            error(ctx, 400, "bad request", "the body is not JSON", "(body)");
            return;
        }
        AlertmanagerWebhook.Parsed parsed;
        try {
            parsed = AlertmanagerWebhook.parse(body);
        } catch (AlertmanagerWebhook.Malformed e) {
            error(ctx, 400, "bad request", e.getMessage(), e.field);
            return;
        }
        int accepted = 0;
        int duplicates = 0;
        int unscalable = 0;
        Catalog scalable = catalog.get();
        for (AlertmanagerWebhook.Intent i : parsed.intents()) {
            // An alert for nothing that scales is said (as scaling.ignored, within the events' budget)
            // but not remembered: thousands of them must not push real alerts out of the memory below.
            if (scalable == null || !scalable.scales(i.service(), i.application())) {
                unscalable++;
                lifecycle.alert(i.service(), i.application(), i.out(), i.alertName());
                continue;
            }
            // Alertmanager re-sends a firing alert on every group interval and retries failed posts.
            if (seenAlerts.put(i.key(), Boolean.TRUE) != null) {
                duplicates++;
                continue;
            }
            accepted++;
            audit.record("alert " + i.alertName(), "via token " + (String) ctx.get("who"), "scale " + (i.out() ? "out" : "in")
                    + " " + i.service() + "/" + i.application(), i.service() + "/" + i.application(), "asked of the lifecycle");
            lifecycle.alert(i.service(), i.application(), i.out(), i.alertName());
        }
        json(ctx, 200, new JsonObject().put("accepted", accepted).put("duplicates", duplicates)
                .put("resolved", parsed.resolved()).put("ignored", parsed.ignored()).put("unscalable", unscalable));
    }

    private void desire(RoutingContext ctx, DesiredState state) {
        Catalog c = catalog.get();
        String name = ctx.pathParam("name");
        if (c == null || !c.services().containsKey(name)) {
            error(ctx, 404, "not found", "no service named " + clip(name), "name");
            return;
        }
        if (state == DesiredState.STARTED && !"true".equals(ctx.queryParams().get("partial"))) {
            // An instance that fits on no host now would leave the service half started after the
            // whole timeout: refused at once, naming every host's reasons, unless asked to start
            // what fits. A placement pass per missing instance: CPU work, kept off the event loop.
            Reconciler.World world = startWorld(c);
            vertx.executeBlocking(() -> Reconciler.unplaceable(world, name)).onComplete(ar -> {
                if (ar.failed()) {
                    error(ctx, 500, "internal error", "the placement check failed: " + ar.cause().getMessage(), null);
                } else if (!ar.result().isEmpty()) {
                    JsonArray which = new JsonArray();
                    StringBuilder why = new StringBuilder();
                    ar.result().forEach(o -> {
                        which.add(o.instance());
                        why.append(Explanation.of(o));
                    });
                    json(ctx, 409, new JsonObject().put("error", "unplaceable").put("detail", name + " was not started: "
                                    + which.size() + (which.size() == 1 ? " instance fits" : " instances fit")
                                    + " on no host; nothing of it was started (start what fits with partial=true)\n"
                                    + why.toString().stripTrailing())
                            .put("field", "name").put("instances", which));
                } else {
                    setDesired(ctx, name, state);
                }
            });
            return;
        }
        setDesired(ctx, name, state);
    }

    private void setDesired(RoutingContext ctx, String name, DesiredState state) {
        String who = ctx.get("who");
        Instant asked = WallClock.now();
        lifecycle.setDesired(name, state, who)
                .onSuccess(v -> json(ctx, 202, new JsonObject().put("name", name).put("desired", state.name())
                        .put("since", asked.toString())))
                .onFailure(e -> storeError(ctx, "the desired state could not be stored", e));
    }

    private void cordon(RoutingContext ctx, boolean on) {
        String host = ctx.pathParam("host");
        boolean known = inventory.get().agents().values().stream()
                .anyMatch(e -> e.host().map(h -> h.hostId().equals(host)).orElse(false));
        if (!known) {
            error(ctx, 404, "not found", "no host named " + clip(host) + " in the inventory", "host");
            return;
        }
        lifecycle.cordon(host, on, ctx.get("who"))
                .onSuccess(changed -> json(ctx, 200, new JsonObject().put("host", host).put("cordoned", on).put("changed", changed)))
                .onFailure(e -> storeError(ctx, "the cordon could not be stored", e));
    }

    /**
     * Why each instance of the service is where it is, or nowhere: for a placed instance, how the
     * chain scores its host now and the runner-up (the instance itself set aside); for a missing
     * or unplaceable one, every host's verdict.
     */
    private void explain(RoutingContext ctx) {
        Catalog c = catalog.get();
        String name = ctx.pathParam("name");
        if (c == null || !c.services().containsKey(name)) {
            error(ctx, 404, "not found", "no service named " + clip(name), "name");
            return;
        }
        String only = ctx.queryParams().get("application");
        java.util.List<String> apps = c.services().get(name).applications();
        if (only != null && !apps.contains(only)) {
            error(ctx, 404, "not found", "service " + name + " has no application named " + clip(only), "application");
            return;
        }
        // A placement pass per instance over the whole inventory: CPU work that grows with the fleet
        // and the service, done on a worker of its own (never the event loop, and never ahead of
        // the store's reads), one explanation at a time, within a bound of instances and of time.
        int asked = 0;
        Map<String, Integer> targets = lifecycle.scalingTargets();
        for (var app : c.startOrder(name)) {
            if (!app.hosted() && (only == null || only.equals(app.name()))) {
                asked += io.federa.manager.core.lifecycle.Headcount.wanted(app, targets);
            }
        }
        if (asked > EXPLAIN_MAX_INSTANCES) {
            error(ctx, 422, "too many instances", "service " + name + (only == null ? "" : " application " + only)
                    + " has " + asked + " instances; an explanation covers at most " + EXPLAIN_MAX_INSTANCES
                    + (only == null ? ": name one application with ?application=" : ""), "application");
            return;
        }
        if (explaining.incrementAndGet() > EXPLAIN_AT_ONCE + EXPLAIN_WAITING) {
            explaining.decrementAndGet();
            ctx.response().putHeader("Retry-After", "5");
            error(ctx, 503, "busy", EXPLAIN_AT_ONCE + " explanation is being computed and " + EXPLAIN_WAITING
                    + " wait; retry in 5 s", null);
            return;
        }
        InventorySnapshot inv = inventory.get();
        java.util.Set<String> cordoned = lifecycle.cordoned();
        java.util.Map<String, ManagedInstance> placedNow = lifecycle.instances();
        Reconciler.World world = startWorld(c);
        long deadline = System.nanoTime() + EXPLAIN_BUDGET.toNanos();
        explainer.<JsonObject>executeBlocking(() -> explanation(c, name, only, inv, cordoned, placedNow, world, deadline))
                .onComplete(ar -> explaining.decrementAndGet())
                .onSuccess(answer -> json(ctx, 200, answer))
                .onFailure(e -> {
                    if (e instanceof ExplainTimeout t) {
                        error(ctx, 503, "explanation too long", t.getMessage(), null);
                    } else {
                        error(ctx, 500, "internal error", "the explanation failed: " + e.getMessage(), null);
                    }
                });
    }

    /** The explanation ran past {@link #EXPLAIN_BUDGET}. */
    private static final class ExplainTimeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ExplainTimeout(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What a start of a service now would see: the check before a start and {@code explain} both
     * place the missing instances through {@link Reconciler#preview} over this, so that explain
     * shows the spread the start will make.
     */
    private Reconciler.World startWorld(Catalog c) {
        return new Reconciler.World(c, inventory.get(), lifecycle.desired(), lifecycle.instances(), lifecycle.cordoned(),
                Map.of(), Map.of(), java.util.Set.of(), lifecycle.placement(), 0, 0, WallClock.millis(),
                lifecycle.scalingTargets());
    }

    private JsonObject explanation(Catalog c, String name, String only, InventorySnapshot inv, java.util.Set<String> cordoned,
                                   java.util.Map<String, ManagedInstance> placedNow, Reconciler.World world,
                                   long deadline) {
        JsonArray out = new JsonArray();
        StringBuilder text = new StringBuilder();
        // The missing instances, placed as a start would place them, each seeing those before it.
        Reconciler.Preview preview = Reconciler.preview(world, name);
        for (var app : c.startOrder(name)) {
            if (only != null && !only.equals(app.name())) {
                continue;
            }
            java.util.List<String> names = new java.util.ArrayList<>();
            placedNow.values().stream().filter(i -> i.application().equals(app.name()))
                    .map(ManagedInstance::name).sorted().forEach(names::add);
            for (String instance : names) {
                if (System.nanoTime() - deadline > 0) {
                    throw new ExplainTimeout("the explanation took longer than " + EXPLAIN_BUDGET.toSeconds() + " s ("
                            + out.size() + " instances explained, over " + inv.agents().size()
                            + " agents' hosts); name one application with ?application=");
                }
                ManagedInstance mi = placedNow.get(instance);
                Placement engine = Placement.of(inv.withoutVm(instance), cordoned, c, lifecycle.placement());
                PlacementRequest request = new PlacementRequest(app.name(), instance);
                Outcome o = engine.place(request);
                String said = instance + " is on " + mi.host() + " (epoch " + mi.epoch() + "); placed now: " + Explanation.of(o);
                out.add(explained(o, mi, engine.explain(request, java.util.List.of()), said));
                text.append(said.endsWith("\n") ? said : said + "\n");
            }
            for (Reconciler.Previewed p : preview.instances()) {
                if (!p.request().application().equals(app.name())) {
                    continue;
                }
                Outcome o = p.outcome();
                String said = (o instanceof Outcome.Fits ? "not placed yet; " : "") + Explanation.of(o);
                out.add(explained(o, null, preview.verdicts(p), said));
                text.append(said.endsWith("\n") ? said : said + "\n");
            }
        }
        return new JsonObject().put("service", name).put("instances", out).put("text", text.toString());
    }

    /** One instance of an explanation: where it is, where the chain puts it, every host's verdict. */
    private static JsonObject explained(Outcome o, ManagedInstance mi, java.util.List<HostVerdict> verdicts, String said) {
        JsonObject one = new JsonObject().put("instance", o.instance()).put("application", o.application())
                .put("host", mi == null ? null : mi.host()).put("epoch", mi == null ? null : mi.epoch());
        if (o instanceof Outcome.Fits f) {
            one.put("placedBy", new JsonObject().put("host", f.host()).put("costPerHour", f.score().costPerHour())
                    .put("currency", f.score().currency()).put("fit", f.score().fit()));
            f.runnerUp().ifPresent(ru -> one.put("runnerUp", new JsonObject().put("host", ru.host())
                    .put("costPerHour", ru.score().costPerHour()).put("fit", ru.score().fit()).put("lostOn", ru.lostOn())));
        }
        JsonArray hosts = new JsonArray();
        for (HostVerdict v : verdicts) {
            JsonArray reasons = new JsonArray();
            v.refusals().forEach(rf -> reasons.add(rf.toString()));
            hosts.add(new JsonObject().put("host", v.host()).put("fits", v.fits()).put("refusals", reasons));
        }
        return one.put("hosts", hosts).put("explanation", said.trim());
    }

    private JsonObject ratios(String service, long now) {
        JsonObject o = new JsonObject();
        new TreeMap<>(ManagerMetrics.WINDOWS).forEach((label, window) -> o.put(label, history.ratio(service, now, window)));
        return o;
    }

    private void serviceHistory(RoutingContext ctx) {
        Catalog c = catalog.get();
        String name = ctx.pathParam("name");
        long now = WallClock.millis();
        Long since = since(ctx, now - HistoryVerticle.DAY);
        if (since == null) {
            return;
        }
        vertx.executeBlocking(() -> historyStore.transitions(name, since)).onSuccess(ts -> {
            if ((c == null || !c.services().containsKey(name)) && ts.isEmpty()) {
                error(ctx, 404, "not found", "no service named " + clip(name) + ", now or in its history", "name");
                return;
            }
            JsonArray out = new JsonArray();
            for (int i = ts.size() - 1; i >= 0; i--) {
                var t = ts.get(i);
                out.add(new JsonObject().put("at", Instant.ofEpochMilli(t.atMillis()).toString())
                        .put("state", t.availability().state().name()).put("reasons", new JsonArray(t.availability().reasons())));
            }
            JsonObject body = new JsonObject().put("name", name).put("availability", ratios(name, now)).put("transitions", out);
            if (c != null && c.services().containsKey(name)) {
                body.put("state", status(c, name).getString("state"));
            }
            json(ctx, 200, body);
        }).onFailure(e -> storeError(ctx, "the history could not be read", e));
    }

    /** The {@code limit} parameter (100 by default), or null once a 400 has been answered. */
    private Integer limit(RoutingContext ctx) {
        String limitParam = ctx.queryParams().get("limit");
        int limit = 100;
        if (limitParam != null) {
            try {
                limit = Integer.parseInt(limitParam);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 10_000) {
                error(ctx, 400, "bad request", "limit must be a whole number from 1 to 10000, got " + clip(limitParam), "limit");
                return null;
            }
        }
        return limit;
    }

    private void events(RoutingContext ctx) {
        long now = WallClock.millis();
        Long since = since(ctx, now - HistoryVerticle.DAY);
        if (since == null) {
            return;
        }
        Integer limit = limit(ctx);
        if (limit == null) {
            return;
        }
        String kind = ctx.queryParams().get("kind") == null ? "" : ctx.queryParams().get("kind");
        if (!kind.matches("[a-z.-]{0,64}")) {
            error(ctx, 400, "bad request", "kind must be an event kind or its start, such as agent. or service.state", "kind");
            return;
        }
        int max = limit;
        vertx.executeBlocking(() -> historyStore.events(since, kind, max)).onSuccess(list -> {
            JsonArray out = new JsonArray();
            list.forEach(e -> out.add(new JsonObject().put("at", Instant.ofEpochMilli(e.atMillis()).toString())
                    .put("severity", e.severity().name()).put("kind", e.kind()).put("subject", e.subject())
                    .put("message", e.message())));
            json(ctx, 200, new JsonObject().put("events", out));
        }).onFailure(e -> storeError(ctx, "the events could not be read", e));
    }

    /** A duration back from now as the API writes them (90s, 15m, 2h, 7d), in ms; -1 when it is not one. */
    private static long durationMillis(String p) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([smhd])").matcher(p);
        if (!m.matches()) {
            return -1;
        }
        long unit = switch (m.group(2)) {
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            default -> 86_400_000L;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    /**
     * {@code GET /api/v1/cost?by=service|application|host|site&since=30d&step=1d}: the bill of the
     * period from the start of the step that holds {@code since} (UTC) to now, per step and in all,
     * with what the hosts cost in each currency (docs/cost.md).
     */
    private void cost(RoutingContext ctx) {
        if (costReports == null) {
            error(ctx, 503, "unavailable", "cost is not kept by this manager", null);
            return;
        }
        long now = WallClock.millis();
        String byParam = ctx.queryParams().get("by") == null ? "service" : ctx.queryParams().get("by");
        io.federa.manager.core.cost.Attribution.By by;
        try {
            by = io.federa.manager.core.cost.Attribution.By.parse(byParam);
        } catch (IllegalArgumentException e) {
            error(ctx, 400, "bad request", e.getMessage(), "by");
            return;
        }
        Long since = since(ctx, now - 30 * HistoryVerticle.DAY);
        if (since == null) {
            return;
        }
        String stepParam = ctx.queryParams().get("step") == null ? defaultStep(ctx.queryParams().get("since"))
                : ctx.queryParams().get("step");
        long step = durationMillis(stepParam);
        if (step <= 0) {
            error(ctx, 400, "bad request", "step must be a duration such as 1m, 1h, 1d; got " + clip(stepParam), "step");
            return;
        }
        long from = io.federa.manager.core.cost.Ledger.bucket(since, step);
        String refused = costReports.refusal(from, now, step);
        if (refused != null) {
            error(ctx, 400, "bad request", refused, refused.startsWith("step") ? "step" : "since");
            return;
        }
        vertx.executeBlocking(() -> costReports.report(by, from, now, step)).onSuccess(r -> {
            JsonArray rows = new JsonArray();
            r.rows().forEach(x -> rows.add(costRow(x).put("start", Instant.ofEpochMilli(x.startMillis()).toString())));
            JsonArray totals = new JsonArray();
            java.util.Map<String, io.federa.manager.core.cost.Attribution.Row> sums = new java.util.TreeMap<>();
            for (io.federa.manager.core.cost.Attribution.Row x : r.rows()) {
                sums.merge(x.currency() + "\n" + x.key(), x, ApiVerticle::sumRows);
            }
            sums.values().forEach(x -> totals.add(costRow(x)));
            JsonArray bill = new JsonArray();
            r.totals().forEach(t -> bill.add(new JsonObject().put("currency", t.currency()).put("applications", t.applications())
                    .put("idle", t.idle()).put("hosts", t.hosts())));
            json(ctx, 200, new JsonObject().put("by", by.word()).put("from", Instant.ofEpochMilli(from).toString())
                    .put("to", Instant.ofEpochMilli(now).toString())
                    .put("step", io.federa.manager.cost.CostReports.describe(step))
                    .put("units", new JsonObject().put("cost", "the row's currency").put("cpu", "CPU-seconds")
                            .put("storage", "GiB-hours").put("sent", "bytes").put("packets", "packets").put("gap", "seconds"))
                    .put("rows", rows).put("totals", totals).put("bill", bill));
        }).onFailure(e -> error(ctx, 500, "store failure", "the cost could not be read: " + e.getMessage(), null));
    }

    /**
     * {@code GET /api/v1/forecast?by=host|site[&key=K]}: the last capacity forecast of each host or
     * site and resource (docs/cost.md, "Forecasts"): use now, capacity and when the upper bound of
     * the 80 % interval reaches it; with {@code key}, that host's or site's forecast step by step.
     */
    private void forecast(RoutingContext ctx) {
        if (costReports == null) {
            error(ctx, 503, "unavailable", "cost is not kept by this manager", null);
            return;
        }
        String by = ctx.queryParams().get("by") == null ? "host" : ctx.queryParams().get("by");
        if (!by.equals("host") && !by.equals("site")) {
            error(ctx, 400, "bad request", "by must be host or site; got \"" + clip(by) + "\"", "by");
            return;
        }
        String key = ctx.queryParams().get("key");
        JsonArray out = new JsonArray();
        for (io.federa.manager.core.forecast.Outlook o : costReports.outlooks()) {
            if (!o.scope().equals(by) || (key != null && !o.key().equals(key))) {
                continue;
            }
            io.federa.manager.core.forecast.Forecast f = o.forecast();
            long step = f.step().toMillis();
            double peak = 0;
            for (double u : f.uppers(io.federa.manager.core.forecast.Outlook.LEVEL)) {
                peak = Math.max(peak, u);
            }
            JsonObject one = new JsonObject().put(by, o.key()).put("resource", o.resource().word())
                    .put("unit", o.resource().unit).put("now", o.last()).put("capacity", o.capacity())
                    .put("lastHour", Instant.ofEpochMilli(o.lastMillis()).toString())
                    .put("peak80", peak)
                    .put("fullInSeconds", o.fullIn().map(d -> (Object) (d.toMillis() / 1000)).orElse(null));
            if (key != null) {
                JsonArray points = new JsonArray();
                for (int h = 1; h <= f.horizon(); h++) {
                    points.add(new JsonObject().put("at", Instant.ofEpochMilli(o.lastMillis() + h * step).toString())
                            .put("point", f.point(h)).put("lower80", f.lower(0.8, h)).put("upper80", f.upper(0.8, h))
                            .put("lower95", f.lower(0.95, h)).put("upper95", f.upper(0.95, h)));
                }
                one.put("points", points);
            }
            out.add(one);
        }
        if (key != null && out.isEmpty()) {
            error(ctx, 404, "not found", "no forecast of the " + by + " " + clip(key) + " (unknown, or under "
                    + io.federa.manager.core.forecast.Outlook.MIN_OBSERVED + " hours of stored usage)", "key");
            return;
        }
        json(ctx, 200, new JsonObject().put("by", by).put("step", "1h").put("horizon", "14d").put("level", 0.8)
                .put("forecasts", out));
    }

    /**
     * The step of a cost report that names none: one of the unit {@code since} counts back in
     * ({@code 90m} → 1m, {@code 12h} → 1h, {@code 30d} → 1d), so that the period starts about where
     * asked; a day for an instant or no {@code since}.
     */
    static String defaultStep(String since) {
        return since != null && since.matches("[0-9]{1,9}[mhd]") ? "1" + since.substring(since.length() - 1) : "1d";
    }

    private static io.federa.manager.core.cost.Attribution.Row sumRows(io.federa.manager.core.cost.Attribution.Row a,
                                                                      io.federa.manager.core.cost.Attribution.Row b) {
        return new io.federa.manager.core.cost.Attribution.Row(a.key(), Math.min(a.startMillis(), b.startMillis()), a.currency(),
                a.cost() + b.cost(), a.cpuSeconds() + b.cpuSeconds(), a.storageGiBHours() + b.storageGiBHours(),
                a.bytesSent() + b.bytesSent(), a.packetsSent() + b.packetsSent(), a.idleCost() + b.idleCost(),
                a.gapMillis() + b.gapMillis());
    }

    private static JsonObject costRow(io.federa.manager.core.cost.Attribution.Row x) {
        return new JsonObject().put("key", x.key()).put("currency", x.currency()).put("cost", x.cost())
                .put("cpuSeconds", x.cpuSeconds()).put("storageGiBHours", x.storageGiBHours()).put("bytesSent", x.bytesSent())
                .put("packetsSent", x.packetsSent()).put("idleCost", x.idleCost()).put("gapSeconds", x.gapMillis() / 1000.0);
    }

    /** The {@code since} parameter: an ISO instant or a duration back from now (90s, 15m, 2h, 7d); null after an error. */
    private static Long since(RoutingContext ctx, long otherwise) {
        String p = ctx.queryParams().get("since");
        if (p == null) {
            return otherwise;
        }
        long back = durationMillis(p);
        if (back >= 0) {
            return WallClock.millis() - back;
        }
        try {
            return Instant.parse(p).toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            error(ctx, 400, "bad request", "since must be an instant such as 2026-11-28T04:00:00Z or a duration such as 90s, 15m, 2h, 7d; got "
                    + clip(p), "since");
            return null;
        } catch (ArithmeticException e) {
            // A valid instant beyond what milliseconds since 1970 hold (±292 million years).
            error(ctx, 400, "bad request", "since is out of range: an instant within ±292 million years of 1970; got "
                    + clip(p), "since");
            return null;
        }
    }

    private void metrics(RoutingContext ctx) {
        vertx.executeBlocking(() -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream(256 * 1024);
            metricsWriter.write(body, registry.scrape());
            return Buffer.buffer(body.toByteArray());
        }).onSuccess(b -> ctx.response().putHeader("Content-Type", metricsWriter.getContentType()).end(b))
                .onFailure(e -> error(ctx, 500, "internal error", "the metrics could not be written: " + e.getMessage(), null));
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    private void services(RoutingContext ctx) {
        Catalog c = catalog.get();
        JsonArray out = new JsonArray();
        if (c != null) {
            c.services().keySet().forEach(n -> out.add(status(c, n)));
        }
        json(ctx, 200, new JsonObject().put("services", out));
    }

    private void service(RoutingContext ctx) {
        Catalog c = catalog.get();
        String name = ctx.pathParam("name");
        if (c == null || !c.services().containsKey(name)) {
            error(ctx, 404, "not found", "no service named " + clip(name), "name");
            return;
        }
        json(ctx, 200, status(c, name));
    }

    /**
     * Stores new definitions; with {@code ?prune=true}, the instances they leave in no service are
     * removed with their data (else they are stopped and reported as orphaned).
     */
    private void apply(RoutingContext ctx) {
        String body = ctx.body() == null ? null : ctx.body().asString();
        boolean prune = "true".equals(ctx.request().getParam("prune"));
        String who = ctx.get("who");
        Catalog before = catalog.get();
        vertx.executeBlocking(() -> {
                    // Parsed once: the check below and the store both use this.
                    var parsed = io.federa.manager.spec.CatalogYaml.parse(body);
                    // Definitions with no service at all would stop every service's VMs: a mistake far
                    // more often than a wish, so only with prune said.
                    if (!prune && before != null && !before.services().isEmpty()
                            && parsed.catalog().map(c -> c.services().isEmpty()).orElse(false)) {
                        return null;
                    }
                    return store.apply(body, parsed, who, "applied through the API", WallClock.now());
                })
                .onSuccess(applied -> {
                    if (applied == null) {
                        error(ctx, 409, "would remove every service", "these definitions hold no service, and the "
                                + before.services().size() + " defined now would all stop; apply them with prune "
                                + "(federa apply --prune) if that is what is meant", "services");
                        return;
                    }
                    if (applied.version().isEmpty()) {
                        List<SpecError> errs = applied.validation().errors();
                        SpecError first = errs.get(0);
                        JsonObject e = new JsonObject().put("error", "invalid definition").put("detail", first.message())
                                .put("field", first.field());
                        JsonArray all = new JsonArray();
                        errs.forEach(x -> all.add(new JsonObject().put("field", x.field()).put("detail", x.message())));
                        json(ctx, 400, e.put("errors", all));
                        return;
                    }
                    applied.validation().catalog().ifPresent(catalogChanged);
                    lifecycle.definitionsApplied(prune);
                    history.record(new Event(WallClock.millis(), Event.Severity.INFO, Event.DEFINITIONS_APPLIED, who,
                            "definitions version " + applied.version().get().version() + " applied by " + who + " ("
                                    + applied.validation().catalog().map(c -> c.services().size()).orElse(0) + " services, "
                                    + applied.validation().catalog().map(c -> c.applications().size()).orElse(0) + " applications)"));
                    json(ctx, 200, new JsonObject().put("version", applied.version().get().version()).put("prune", prune)
                            .put("services", new JsonArray(List.copyOf(applied.validation().catalog()
                                    .map(c -> c.services().keySet()).orElse(java.util.Set.of())))));
                })
                .onFailure(e -> storeError(ctx, "the definitions could not be stored", e));
    }

    /** A migration as the API shows it: the journaled fields, and the time left while it copies. */
    static JsonObject migrationJson(io.federa.manager.core.migration.Migration m) {
        JsonObject j = io.federa.manager.store.MigrationJson.toJson(m);
        if (m.phase() == io.federa.manager.core.migration.Phase.COPYING && m.rateBytesPerSecond() > 0
                && m.bytesTotal() >= m.bytesDone()) {
            j.put("etaSeconds", Math.round((m.bytesTotal() - m.bytesDone()) / m.rateBytesPerSecond() * 10) / 10.0);
        }
        return j;
    }

    private void migrations(RoutingContext ctx) {
        JsonArray all = new JsonArray();
        lifecycle.migrations().forEach(m -> all.add(migrationJson(m)));
        json(ctx, 200, new JsonObject().put("migrations", all));
    }

    private void migration(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        lifecycle.migrations().stream().filter(m -> m.id().equals(id)).findFirst().ifPresentOrElse(
                m -> json(ctx, 200, migrationJson(m)),
                () -> error(ctx, 404, "not found", "no migration " + clip(id) + " (the manager keeps the latest 200 finished ones)", "id"));
    }

    private void migrate(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            error(ctx, 400, "bad request", "the body must be a JSON object such as {\"vm\":\"web-1\",\"to\":\"host-2\"}", null);
            return;
        }
        if (body == null) {
            error(ctx, 400, "bad request", "the body must be a JSON object such as {\"vm\":\"web-1\",\"to\":\"host-2\"}", null);
            return;
        }
        for (String f : body.fieldNames()) {
            if (!f.equals("vm") && !f.equals("to") && !f.equals("allowDowntime")) {
                error(ctx, 400, "bad request", "unknown field (known: vm, to, allowDowntime)", clip(f));
                return;
            }
        }
        if (!(body.getValue("vm") instanceof String vm) || vm.isBlank()) {
            error(ctx, 400, "bad request", "vm is required: the name of the VM to move", "vm");
            return;
        }
        Object to = body.getValue("to");
        if (to != null && (!(to instanceof String t) || t.isBlank())) {
            error(ctx, 400, "bad request", "to must be a host's name, or left out to let placement choose", "to");
            return;
        }
        Object allow = body.getValue("allowDowntime");
        if (allow != null && !(allow instanceof Boolean)) {
            error(ctx, 400, "bad request", "allowDowntime must be true or false", "allowDowntime");
            return;
        }
        lifecycle.migrate(vm, java.util.Optional.ofNullable((String) to), ctx.get("who"), Boolean.TRUE.equals(allow))
                .onSuccess(m -> json(ctx, 202, migrationJson(m)))
                .onFailure(e -> migrationError(ctx, e));
    }

    private void drain(RoutingContext ctx) {
        String allow = ctx.queryParams().get("allowDowntime");
        if (allow != null && !allow.equals("true") && !allow.equals("false")) {
            error(ctx, 400, "bad request", "allowDowntime must be true or false", "allowDowntime");
            return;
        }
        lifecycle.drain(ctx.pathParam("host"), ctx.get("who"), "true".equals(allow))
                .onSuccess(d -> {
                    JsonArray queued = new JsonArray();
                    d.queued().forEach(m -> queued.add(migrationJson(m)));
                    JsonArray waiting = new JsonArray();
                    d.waiting().forEach(w -> waiting.add(new JsonObject().put("id", w.migration()).put("vm", w.vm())
                            .put("application", w.application()).put("service", w.service()).put("code", w.code().name())
                            .put("why", w.why())));
                    json(ctx, 202, new JsonObject().put("host", d.host()).put("cordoned", true).put("queued", queued)
                            .put("waiting", waiting).put("left", new JsonArray(d.left())));
                })
                .onFailure(e -> migrationError(ctx, e));
    }

    private static void migrationError(RoutingContext ctx, Throwable e) {
        if (e instanceof io.federa.manager.lifecycle.MigrationRefused r) {
            error(ctx, r.notFound() ? 404 : 409, r.notFound() ? "not found" : "refused", r.getMessage(), r.field());
        } else {
            storeError(ctx, "the migration could not be journaled", e);
        }
    }

    private void delete(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String who = ctx.get("who");
        vertx.executeBlocking(() -> {
            Optional<DefinitionStore.Version> v = store.deleteService(name, who, WallClock.now());
            if (v.isPresent()) {
                store.catalog().ifPresent(catalogChanged);
            }
            return v;
        }).onSuccess(v -> {
            if (v.isEmpty()) {
                error(ctx, 404, "not found", "no service named " + clip(name), "name");
            } else {
                history.record(new Event(WallClock.millis(), Event.Severity.WARNING, Event.SERVICE_DELETED, name,
                        "service " + name + " deleted by " + who + " (definitions version " + v.get().version() + ")"));
                lifecycle.definitionsApplied("true".equals(ctx.request().getParam("prune")));
                json(ctx, 200, new JsonObject().put("version", v.get().version()).put("deleted", name));
            }
        }).onFailure(e -> storeError(ctx, "the service could not be deleted", e));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    /**
     * A store operation that failed: 503 "store unavailable" when its database cannot be reached
     * (the change was not made; asked again once the database answers, it will be), 500 "store
     * failure" otherwise. The detail says what was being done and why it failed.
     */
    private static void storeError(RoutingContext ctx, String what, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StoreUnavailableException) {
                ctx.response().putHeader("Retry-After", "5");
                error(ctx, 503, "store unavailable", what + ": " + t.getMessage(), null);
                return;
            }
        }
        error(ctx, 500, "store failure", what + ": " + e.getMessage(), null);
    }

    private static void error(RoutingContext ctx, int status, String error, String detail, String field) {
        json(ctx, status, new JsonObject().put("error", error).put("detail", detail).put("field", field));
    }
}
