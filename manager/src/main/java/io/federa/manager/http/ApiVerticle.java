package io.federa.manager.http;

import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.availability.AvailabilityEvaluator;
import io.federa.manager.core.availability.Instances;
import io.federa.manager.core.availability.ServiceAvailability;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.core.spec.SpecError;
import io.federa.manager.store.DefinitionStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The manager's REST API under {@code /api/v1}. Every route but {@code /health} needs a bearer
 * token; viewers read, operators also apply definitions. Errors are JSON
 * {@code {error, detail, field}} with the status that fits. Thin: reads come from the current
 * inventory and catalog; the store's blocking JDBC calls run on a worker.
 */
public final class ApiVerticle extends VerticleBase {
    private final ManagerConfig.Api api;
    private final List<ManagerConfig.Token> tokens;
    private final Supplier<InventorySnapshot> inventory;
    private final Supplier<Catalog> catalog;
    private final java.util.function.Consumer<Catalog> catalogChanged;
    private final DefinitionStore store;
    private HttpServer server;

    public ApiVerticle(ManagerConfig.Api api, List<ManagerConfig.Token> tokens, Supplier<InventorySnapshot> inventory,
                       Supplier<Catalog> catalog, java.util.function.Consumer<Catalog> catalogChanged, DefinitionStore store) {
        this.api = api;
        this.tokens = List.copyOf(tokens);
        this.inventory = inventory;
        this.catalog = catalog;
        this.catalogChanged = catalogChanged;
        this.store = store;
    }

    @Override
    public Future<?> start() {
        Router r = Router.router(vertx);
        r.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
        r.route("/api/v1/*").handler(this::authenticate);
        r.route("/api/v1/*").handler(this::documentsOnly);
        r.route("/api/v1/*").handler(BodyHandler.create().setBodyLimit(api.maxBodyBytes()).setHandleFileUploads(false));
        r.get("/api/v1/hosts").handler(this::hosts);
        r.get("/api/v1/vms").handler(this::vms);
        r.get("/api/v1/services").handler(this::services);
        r.get("/api/v1/services/:name").handler(this::service);
        r.post("/api/v1/definitions").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::apply);
        r.delete("/api/v1/services/:name").handler(ctx -> require(ctx, ManagerConfig.Role.OPERATOR)).handler(this::delete);
        r.route().last().handler(ctx -> error(ctx, 404, "not found", "no route " + ctx.request().method() + " " + ctx.request().path(), null));
        r.errorHandler(413, ctx -> error(ctx, 413, "payload too large", "the body is larger than " + api.maxBodyBytes() + " bytes", null));
        r.errorHandler(500, ctx -> error(ctx, 500, "internal error", "the manager failed to answer this request", null));
        r.errorHandler(405, ctx -> error(ctx, 405, "method not allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
        return vertx.createHttpServer().requestHandler(r).listen(api.port(), api.address()).onSuccess(s -> server = s);
    }

    public int actualPort() {
        return server.actualPort();
    }

    private void authenticate(RoutingContext ctx) {
        String h = ctx.request().getHeader("Authorization");
        if (h == null || !h.startsWith("Bearer ")) {
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
            error(ctx, 401, "unauthorized", "the token is not valid", null);
            return;
        }
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

    private void hosts(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        for (InventorySnapshot.Entry e : inventory.get().agents().values()) {
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
                    .put("sampledAt", Instant.ofEpochMilli(h.sampleTimestampMillis()).toString()));
            out.add(o);
        }
        json(ctx, 200, new JsonObject().put("hosts", out));
    }

    private void vms(RoutingContext ctx) {
        JsonArray out = new JsonArray();
        for (VmStatus v : inventory.get().vms()) {
            out.add(new JsonObject().put("name", v.name()).put("uuid", v.uuid()).put("host", v.host()).put("state", v.state())
                    .put("application", v.application()).put("service", v.service()).put("vcpus", v.vcpus())
                    .put("memoryBytes", v.memoryBytes()).put("cpuLoadRatio", v.cpuLoadRatio()).put("uptimeSeconds", v.uptimeSeconds()));
        }
        json(ctx, 200, new JsonObject().put("vms", out));
    }

    private JsonObject status(Catalog c, String name) {
        ServiceAvailability a = AvailabilityEvaluator.evaluate(c, name, Instances.of(inventory.get()));
        return new JsonObject().put("name", name).put("state", a.state().name()).put("reasons", new JsonArray(a.reasons()))
                .put("applications", new JsonArray(c.services().get(name).applications()));
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
            error(ctx, 404, "not found", "no service named " + (name.length() > 64 ? name.substring(0, 64) + "…" : name), "name");
            return;
        }
        json(ctx, 200, status(c, name));
    }

    private void apply(RoutingContext ctx) {
        String body = ctx.body() == null ? null : ctx.body().asString();
        String who = ctx.get("who");
        vertx.executeBlocking(() -> store.apply(body, who, "applied through the API", Instant.now()))
                .onSuccess(applied -> {
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
                    json(ctx, 200, new JsonObject().put("version", applied.version().get().version())
                            .put("services", new JsonArray(List.copyOf(applied.validation().catalog()
                                    .map(c -> c.services().keySet()).orElse(java.util.Set.of())))));
                })
                .onFailure(e -> error(ctx, 500, "store failure", "the definitions could not be stored: " + e.getMessage(), null));
    }

    private void delete(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String who = ctx.get("who");
        vertx.executeBlocking(() -> {
            Optional<DefinitionStore.Version> v = store.deleteService(name, who, Instant.now());
            if (v.isPresent()) {
                store.current().flatMap(doc -> io.federa.manager.spec.CatalogYaml.parse(doc).catalog()).ifPresent(catalogChanged);
            }
            return v;
        }).onSuccess(v -> {
            if (v.isEmpty()) {
                error(ctx, 404, "not found", "no service named " + (name.length() > 64 ? name.substring(0, 64) + "…" : name), "name");
            } else {
                json(ctx, 200, new JsonObject().put("version", v.get().version()).put("deleted", name));
            }
        }).onFailure(e -> error(ctx, 500, "store failure", "the service could not be deleted: " + e.getMessage(), null));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    private static void error(RoutingContext ctx, int status, String error, String detail, String field) {
        json(ctx, status, new JsonObject().put("error", error).put("detail", detail).put("field", field));
    }
}
