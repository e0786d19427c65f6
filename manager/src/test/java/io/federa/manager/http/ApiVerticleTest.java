package io.federa.manager.http;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.store.DefinitionStore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The REST API's authorisation matrix and its errors, over real HTTP; every answer is checked
 * against the API's OpenAPI description ({@link OpenApiDescription}).
 */
class ApiVerticleTest {
    private static final String VIEWER = "viewer-token-0123456789";
    private static final String OPERATOR = "operator-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789ab";
    private TestManager manager;
    private WebClient client;
    private DefinitionStore store;
    private String shop;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        shop = Files.readString(Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize()
                .resolve("examples/shop.yaml"));
        // One agent that never answers: the inventory knows it, unreachable.
        manager = new TestManager(dir, List.of(new ManagerConfig.Agent("host-1", "127.0.0.1", 9, ManagerConfig.Transport.JOLOKIA,
                "federa", "secret-password")), 64 * 1024, List.of(
                new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER),
                new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR),
                new ManagerConfig.Token("root", ADMIN, ManagerConfig.Role.ADMIN)));
        client = WebClient.create(manager.vertx);
        store = manager.definitions;
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    private HttpResponse<Buffer> call(HttpMethod method, String path, String token, String body) throws Exception {
        var req = request(method, path, token, body);
        HttpResponse<Buffer> answer = send(req, body);
        // Every answer these tests get is one the API's description allows, and every request the
        // API takes one it describes.
        OpenApiDescription.assertDescribes(method, path, answer);
        if (answer.statusCode() / 100 == 2 && OpenApiDescription.describes(path)) {
            OpenApiDescription.assertAccepts(method, path, req.headers(), body);
        }
        return answer;
    }

    private io.vertx.ext.web.client.HttpRequest<Buffer> request(HttpMethod method, String path, String token, String body) {
        var req = client.request(method, manager.port(), "127.0.0.1", path);
        if (token != null) {
            req.putHeader("Authorization", "Bearer " + token);
        }
        if (body != null && !body.isEmpty()) {
            // As a client says it: the definitions are YAML, the other bodies JSON.
            req.putHeader("Content-Type", body.startsWith("{") ? "application/json" : "application/yaml");
        }
        return req;
    }

    private static HttpResponse<Buffer> send(io.vertx.ext.web.client.HttpRequest<Buffer> req, String body) throws Exception {
        return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
    }

    @Test
    void every_route_by_every_kind_of_caller() throws Exception {
        call(HttpMethod.POST, "/api/v1/definitions", ADMIN, shop);
        Map<String, String> callers = new LinkedHashMap<>();
        callers.put("no token", null);
        callers.put("bad token", "not-a-token-at-all-really");
        callers.put("viewer", VIEWER);
        callers.put("operator", OPERATOR);
        callers.put("admin", ADMIN);
        record Route(HttpMethod method, String path, String body, int viewer, int operator) {
            String concrete() {
                return path.replace("{name}", method == HttpMethod.DELETE ? "backoffice" : "shop").replace("{host}", "nowhere")
                        .replace("{id}", "m-404");
            }
        }
        List<Route> routes = List.of(
                new Route(HttpMethod.GET, "/metrics", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/openapi.yaml", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/hosts", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/vms", null, 200, 200),
                // The test's only agent never answers: no VM is known, so an operator gets 404.
                new Route(HttpMethod.POST, "/api/v1/vms/{name}/destroy", "", 403, 404),
                new Route(HttpMethod.PUT, "/api/v1/vms/{name}/load", "{\"ratio\":0.5}", 403, 404),
                new Route(HttpMethod.DELETE, "/api/v1/vms/{name}/load", null, 403, 404),
                new Route(HttpMethod.GET, "/api/v1/services", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/services/{name}", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/services/{name}/history", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/events", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/cost", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/forecast", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/audit", null, 403, 200),
                new Route(HttpMethod.POST, "/api/v1/definitions", shop, 403, 200),
                new Route(HttpMethod.GET, "/api/v1/services/{name}/explain", null, 200, 200),
                new Route(HttpMethod.POST, "/api/v1/services/{name}/start", "", 403, 202),
                new Route(HttpMethod.POST, "/api/v1/services/{name}/stop", "", 403, 202),
                // The test's only agent never answers: no host is known, so an operator gets 404.
                new Route(HttpMethod.POST, "/api/v1/alerts", "{\"version\":\"4\",\"alerts\":[]}", 403, 200),
                new Route(HttpMethod.POST, "/api/v1/hosts/{host}/cordon", "", 403, 404),
                new Route(HttpMethod.POST, "/api/v1/hosts/{host}/uncordon", "", 403, 404),
                new Route(HttpMethod.POST, "/api/v1/hosts/{host}/drain", "", 403, 404),
                new Route(HttpMethod.GET, "/api/v1/migrations", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/managers", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/version", null, 200, 200),
                new Route(HttpMethod.GET, "/api/v1/migrations/{id}", null, 404, 404),
                // No VM of that name was placed by the manager: 404 naming the VM.
                new Route(HttpMethod.POST, "/api/v1/migrations", "{\"vm\":\"web-9\"}", 403, 404),
                new Route(HttpMethod.DELETE, "/api/v1/services/{name}", null, 403, 200));
        // The matrix covers every route the API serves but /health, which is open to all.
        assertThat(routes.stream().map(r -> r.method().name() + " " + r.path()).collect(java.util.stream.Collectors.toSet()))
                .isEqualTo(new java.util.HashSet<>(manager.manager.routes()) {{ remove("GET /health"); }});
        for (Route r : routes) {
            for (var c : callers.entrySet()) {
                int expected = switch (c.getKey()) {
                    case "no token", "bad token" -> 401;
                    case "viewer" -> r.viewer();
                    default -> r.operator();
                };
                if (r.method() == HttpMethod.DELETE) {
                    call(HttpMethod.POST, "/api/v1/definitions", ADMIN, shop);
                }
                HttpResponse<Buffer> resp = call(r.method(), r.concrete(), c.getValue(), r.body());
                assertThat(resp.statusCode()).as(r.method() + " " + r.path() + " as " + c.getKey()).isEqualTo(expected);
                if (expected >= 400) {
                    assertThat(resp.bodyAsJsonObject().getString("error")).isNotBlank();
                }
            }
        }
        for (String token : callers.values()) {
            assertThat(call(HttpMethod.GET, "/health", token, null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void definitions_with_no_service_are_refused_while_services_are_defined_unless_prune_is_said() throws Exception {
        assertThat(call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, shop).statusCode()).isEqualTo(200);
        HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, "applications: []\nservices: []\n");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.bodyAsJsonObject().getString("detail")).contains("hold no service").contains("--prune");
        assertThat(store.versions()).hasSize(1);
        HttpResponse<Buffer> pruned = call(HttpMethod.POST, "/api/v1/definitions?prune=true", OPERATOR,
                "applications: []\nservices: []\n");
        assertThat(pruned.statusCode()).as(pruned.bodyAsString()).isEqualTo(200);
        assertThat(store.versions()).hasSize(2);
    }

    @Test
    void a_bad_definition_is_a_400_naming_the_field_and_stores_nothing() throws Exception {
        HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/v1/definitions", OPERATOR,
                shop.replace("vcpus: 4,", "vcpus: 0,"));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonObject e = r.bodyAsJsonObject();
        assertThat(e.getString("error")).isEqualTo("invalid definition");
        assertThat(e.getString("field")).isEqualTo("applications[0].resources.vcpus");
        assertThat(e.getString("detail")).contains("between 1 and 256, got 0");
        assertThat(store.versions()).isEmpty();
    }

    @Test
    void a_malformed_migration_request_is_a_400_naming_the_field() throws Exception {
        record Case(String body, String field, String detail) {
        }
        for (Case c : List.of(
                new Case("not json", null, "must be a JSON object"),
                new Case("", null, "must be a JSON object"),
                new Case("{}", "vm", "vm is required"),
                new Case("{\"vm\":7}", "vm", "vm is required"),
                new Case("{\"vm\":\"web-1\",\"to\":\"\"}", "to", "to must be a host's name"),
                new Case("{\"vm\":\"web-1\",\"host\":\"host-2\"}", "host", "unknown field (known: vm, to, allowDowntime)"),
                new Case("{\"vm\":\"web-1\",\"allowDowntime\":\"yes\"}", "allowDowntime", "allowDowntime must be true or false"))) {
            HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/v1/migrations", OPERATOR, c.body());
            assertThat(r.statusCode()).as(c.body()).isEqualTo(400);
            assertThat(r.bodyAsJsonObject().getString("field")).as(c.body()).isEqualTo(c.field());
            assertThat(r.bodyAsJsonObject().getString("detail")).as(c.body()).contains(c.detail());
        }
        HttpResponse<Buffer> unknown = call(HttpMethod.POST, "/api/v1/migrations", OPERATOR, "{\"vm\":\"web-1\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.bodyAsJsonObject().getString("detail"))
                .isEqualTo("web-1 is not a VM Federa placed (only instances of started services migrate)");
        assertThat(call(HttpMethod.GET, "/api/v1/migrations", VIEWER, null).bodyAsJsonObject().getJsonArray("migrations")).isEmpty();
        HttpResponse<Buffer> drain = call(HttpMethod.POST, "/api/v1/hosts/host-1/drain?allowDowntime=maybe", OPERATOR, "");
        assertThat(drain.statusCode()).isEqualTo(400);
        assertThat(drain.bodyAsJsonObject().getString("field")).isEqualTo("allowDowntime");
    }

    @Test
    void an_oversized_body_is_refused_and_unknown_things_are_404() throws Exception {
        HttpResponse<Buffer> big = call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, "x".repeat(200 * 1024));
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(call(HttpMethod.GET, "/api/v1/nothing", VIEWER, null).statusCode()).isEqualTo(404);
        HttpResponse<Buffer> none = call(HttpMethod.GET, "/api/v1/services/nope", VIEWER, null);
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.bodyAsJsonObject().getString("detail")).isEqualTo("no service named nope");
    }

    @Test
    void only_definitions_and_the_webhook_take_large_bodies(@TempDir Path other) throws Exception {
        try (TestManager large = new TestManager(other, List.of(), 1024 * 1024,
                List.of(new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR)))) {
            WebClient c = WebClient.create(large.vertx);
            String padding = " ".repeat(200 * 1024);
            HttpResponse<Buffer> move = c.post(large.port(), "127.0.0.1", "/api/v1/migrations")
                    .putHeader("Authorization", "Bearer " + OPERATOR).putHeader("Content-Type", "application/json")
                    .sendBuffer(Buffer.buffer("{\"vm\":\"web-1\"}" + padding)).await(10, TimeUnit.SECONDS);
            assertThat(move.statusCode()).isEqualTo(413);
            assertThat(move.bodyAsJsonObject().getString("detail"))
                    .isEqualTo("the body is larger than 65536 bytes, the most /api/v1/migrations takes");
            HttpResponse<Buffer> defs = c.post(large.port(), "127.0.0.1", "/api/v1/definitions")
                    .putHeader("Authorization", "Bearer " + OPERATOR).putHeader("Content-Type", "application/yaml")
                    .sendBuffer(Buffer.buffer(shop + "\n#" + padding + "\n")).await(10, TimeUnit.SECONDS);
            assertThat(defs.statusCode()).as(defs.bodyAsString()).isEqualTo(200);
        }
    }

    @Test
    void one_client_address_holds_a_bounded_number_of_connections() throws Exception {
        int cap = ManagerConfig.Api.DEFAULT_LIMITS.maxConnectionsPerAddress();
        List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
            // From an address of their own, so that the calls below, from 127.0.0.1, are not among them.
            for (int i = 0; i < cap + 20; i++) {
                java.net.Socket s = new java.net.Socket();
                s.bind(new java.net.InetSocketAddress("127.0.0.7", 0));
                s.connect(new java.net.InetSocketAddress("127.0.0.1", manager.port()));
                held.add(s);
            }
            // Those over the cap are closed by the manager at once: reading one ends.
            int closed = 0;
            for (java.net.Socket s : held.subList(cap, held.size())) {
                s.setSoTimeout(10_000);
                if (s.getInputStream().read() == -1) {
                    closed++;
                }
            }
            assertThat(closed).isEqualTo(20);
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
        String metrics = call(HttpMethod.GET, "/metrics", VIEWER, null).bodyAsString();
        assertThat(metrics).containsPattern("federa_http_connections_refused_total\\{listener=\"api\"} (2\\d|[3-9]\\d|\\d{3,})");
    }

    @Test
    void an_explanation_covers_a_bounded_number_of_instances_and_says_how_to_ask_for_less() throws Exception {
        String many = """
                applications:
                  - { name: front, runtime: nginx, resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }, replicas: 600 }
                  - { name: back, runtime: nginx, resources: { vcpus: 1, memoryMiB: 64, diskGiB: 1 }, replicas: 600 }
                services:
                  - { name: big, applications: [front, back] }
                """;
        assertThat(call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, many).statusCode()).isEqualTo(200);
        HttpResponse<Buffer> all = call(HttpMethod.GET, "/api/v1/services/big/explain", VIEWER, null);
        assertThat(all.statusCode()).isEqualTo(422);
        assertThat(all.bodyAsJsonObject().getString("detail"))
                .isEqualTo("service big has 1200 instances; an explanation covers at most 1000: name one application with ?application=");
        HttpResponse<Buffer> one = call(HttpMethod.GET, "/api/v1/services/big/explain?application=front", VIEWER, null);
        assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(200);
        assertThat(one.bodyAsJsonObject().getJsonArray("instances")).hasSize(600);
    }

    @Test
    void a_catalog_asking_for_more_instances_than_the_manager_holds_is_refused_whole() throws Exception {
        StringBuilder doc = new StringBuilder("applications:\n");
        for (int i = 0; i < 11; i++) {
            doc.append("  - { name: app-").append(i).append(", runtime: nginx, resources: { vcpus: 1, memoryMiB: 64,")
                    .append(" diskGiB: 1 }, replicas: 1000 }\n");
        }
        doc.append("services:\n  - { name: huge, applications: [app-0] }\n");
        HttpResponse<Buffer> r = call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, doc.toString());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.bodyAsJsonObject().getString("field")).isEqualTo("applications");
        assertThat(r.bodyAsJsonObject().getString("detail")).contains("ask for 11000 instances in all")
                .contains("at most 10000");
        assertThat(store.versions()).isEmpty();
    }

    @Test
    void a_form_is_refused_with_the_media_types_to_use() throws Exception {
        HttpResponse<Buffer> r = client.post(manager.port(), "127.0.0.1", "/api/v1/definitions")
                .putHeader("Authorization", "Bearer " + OPERATOR)
                .putHeader("Content-Type", "application/x-www-form-urlencoded")
                .sendBuffer(Buffer.buffer(shop)).await(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(r.bodyAsJsonObject().getString("detail")).contains("application/yaml");
        assertThat(store.versions()).isEmpty();
    }

    /** The service's status once {@code until} holds (the view is computed each poll interval, 200 ms here). */
    private JsonObject awaitStatus(String service, java.util.function.Predicate<JsonObject> until) throws Exception {
        JsonObject s = call(HttpMethod.GET, "/api/v1/services/" + service, VIEWER, null).bodyAsJsonObject();
        for (int i = 0; i < 100 && !until.test(s); i++) {
            Thread.sleep(100);
            s = call(HttpMethod.GET, "/api/v1/services/" + service, VIEWER, null).bodyAsJsonObject();
        }
        return s;
    }

    private static String metric(String scraped, String series) {
        return scraped.lines().filter(l -> l.startsWith(series + " ")).map(l -> l.substring(series.length() + 1))
                .findFirst().orElse("absent");
    }

    @Test
    void an_applied_definition_shows_its_services_stopped_until_started_and_the_metrics_agree() throws Exception {
        assertThat(call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, shop).bodyAsJsonObject().getInteger("version")).isEqualTo(1);
        JsonObject s = awaitStatus("shop", j -> "STOPPED".equals(j.getString("state")));
        assertThat(s.getString("state")).as(s.encode()).isEqualTo("STOPPED");
        assertThat(s.getString("desired")).isEqualTo("STOPPED");
        assertThat(s.getJsonArray("reasons")).isEmpty();
        String scraped = call(HttpMethod.GET, "/metrics", VIEWER, null).bodyAsString();
        assertThat(metric(scraped, "federa_service_state{service=\"shop\",state=\"STOPPED\"}")).isEqualTo("1.0");
        assertThat(metric(scraped, "federa_service_state{service=\"shop\",state=\"DOWN\"}")).isEqualTo("0.0");
        assertThat(metric(scraped, "federa_service_desired_running{service=\"shop\"}")).isEqualTo("0.0");

        // Started (what fits: the only agent never answers, so nothing does): DOWN, and says why.
        assertThat(call(HttpMethod.POST, "/api/v1/services/shop/start?partial=true", OPERATOR, "").statusCode()).isEqualTo(202);
        JsonObject down = awaitStatus("shop", j -> "DOWN".equals(j.getString("state")));
        assertThat(down.getString("state")).as(down.encode()).isEqualTo("DOWN");
        assertThat(down.getString("desired")).isEqualTo("STARTED");
        assertThat(down.getJsonArray("reasons").encode()).contains("catalog-db: 0 of 1 instances running").contains("not placed");
        assertThat(down.getJsonObject("headcount").getJsonObject("web").encode())
                .isEqualTo("{\"running\":0,\"wanted\":2,\"minAvailable\":1,\"canStopOne\":false}");
        scraped = call(HttpMethod.GET, "/metrics", VIEWER, null).bodyAsString();
        assertThat(metric(scraped, "federa_service_state{service=\"shop\",state=\"DOWN\"}")).isEqualTo("1.0");
        assertThat(metric(scraped, "federa_service_state{service=\"shop\",state=\"STOPPED\"}")).isEqualTo("0.0");
        assertThat(metric(scraped, "federa_service_desired_running{service=\"shop\"}")).isEqualTo("1.0");
        assertThat(metric(scraped, "federa_service_desired_running{service=\"backoffice\"}")).isEqualTo("0.0");
    }

    @Test
    void the_openapi_document_served_is_the_one_tested_and_describes_exactly_the_routes_served() throws Exception {
        HttpResponse<Buffer> r = call(HttpMethod.GET, "/api/v1/openapi.yaml", VIEWER, null);
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/yaml");
        assertThat(r.bodyAsString()).isEqualTo(OpenApiDescription.text());
        // The router's own routes, against the operations swagger-parser reads from the description.
        assertThat(OpenApiDescription.operations().keySet()).isEqualTo(manager.manager.routes());
    }

    @Test
    void a_polled_host_and_its_vms_are_answered_as_described(@TempDir Path other) throws Exception {
        // An agent that answers every poll with a real agent's bulk answer: a host and three VMs.
        String bulk;
        try (var in = getClass().getResourceAsStream("/io/federa/manager/poll/host-1-bulk.json")) {
            bulk = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        var agent = manager.vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "application/json").end(bulk));
        agent.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
        try (TestManager polling = new TestManager(other, List.of(new ManagerConfig.Agent("host-1", "127.0.0.1",
                agent.actualPort(), ManagerConfig.Transport.JOLOKIA, "federa", "secret-password")), 64 * 1024,
                List.of(new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER)))) {
            WebClient c = WebClient.create(polling.vertx);
            java.util.function.Function<String, HttpResponse<Buffer>> get = path -> {
                try {
                    HttpResponse<Buffer> r = c.get(polling.port(), "127.0.0.1", path).putHeader("Authorization", "Bearer " + VIEWER)
                            .send().await(10, TimeUnit.SECONDS);
                    assertThat(OpenApiDescription.assertDescribes(HttpMethod.GET, path, r)).isTrue();
                    return r;
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new AssertionError(path + " was not answered", e);
                }
            };
            HttpResponse<Buffer> hosts = get.apply("/api/v1/hosts");
            for (int i = 0; i < 100 && !hosts.bodyAsString().contains("\"REACHABLE\""); i++) {
                Thread.sleep(100);
                hosts = get.apply("/api/v1/hosts");
            }
            JsonObject host = hosts.bodyAsJsonObject().getJsonArray("hosts").getJsonObject(0);
            assertThat(host.getString("reachability")).as(host.encode()).isEqualTo("REACHABLE");
            assertThat(host.getString("host")).isEqualTo("host-1");
            assertThat(host.getInteger("cpus")).isEqualTo(16);
            var vms = get.apply("/api/v1/vms").bodyAsJsonObject().getJsonArray("vms");
            assertThat(vms).hasSize(3);
            assertThat(vms.getJsonObject(0).getString("host")).isEqualTo("host-1");
            // The test driver forwards no guest port: each VM's endpoints are there, and empty.
            assertThat(vms.getJsonObject(0).getJsonObject("endpoints")).isNotNull().isEmpty();
        } finally {
            agent.close().await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void an_address_held_back_after_token_guesses_is_answered_as_described() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(call(HttpMethod.GET, "/api/v1/hosts", "guess-" + i + "-0123456789abcdef", null).statusCode()).isEqualTo(401);
        }
        HttpResponse<Buffer> held = call(HttpMethod.GET, "/api/v1/hosts", VIEWER, null);
        assertThat(held.statusCode()).isEqualTo(429);
        assertThat(held.getHeader("Retry-After")).matches("[1-9][0-9]*");
        assertThat(held.bodyAsJsonObject().getString("error")).isEqualTo("too many requests");
    }

    @Test
    void events_and_history_parameters_are_checked_and_named() throws Exception {
        HttpResponse<Buffer> since = call(HttpMethod.GET, "/api/v1/events?since=yesterday", VIEWER, null);
        assertThat(since.statusCode()).isEqualTo(400);
        assertThat(since.bodyAsJsonObject().getString("field")).isEqualTo("since");
        assertThat(since.bodyAsJsonObject().getString("detail")).contains("90s, 15m, 2h, 7d").endsWith("got yesterday");
        HttpResponse<Buffer> far = call(HttpMethod.GET, "/api/v1/events?since=%2B999999999-12-31T23:59:59Z", VIEWER, null);
        assertThat(far.statusCode()).as("an instant past what milliseconds hold").isEqualTo(400);
        assertThat(far.bodyAsJsonObject().getString("field")).isEqualTo("since");
        assertThat(far.bodyAsJsonObject().getString("detail")).startsWith("since is out of range");
        HttpResponse<Buffer> history = call(HttpMethod.GET, "/api/v1/services/shop/history?since=-999999999-01-01T00:00:00Z",
                VIEWER, null);
        assertThat(history.statusCode()).isIn(400, 404);
        HttpResponse<Buffer> limit = call(HttpMethod.GET, "/api/v1/events?limit=0", VIEWER, null);
        assertThat(limit.statusCode()).isEqualTo(400);
        assertThat(limit.bodyAsJsonObject().getString("field")).isEqualTo("limit");
        assertThat(call(HttpMethod.GET, "/api/v1/events?kind=a%27%3B", VIEWER, null).bodyAsJsonObject().getString("field"))
                .isEqualTo("kind");
        // Every kind the manager records can be asked for, those with a hyphen too.
        assertThat(call(HttpMethod.GET, "/api/v1/events?kind=" + io.federa.manager.core.events.Event.POLLING_CAUGHT_UP,
                VIEWER, null).statusCode()).isEqualTo(200);
        assertThat(call(HttpMethod.GET, "/api/v1/services/nope/history", VIEWER, null).statusCode()).isEqualTo(404);

        // An applied definition is an event, with who applied it.
        call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, shop);
        JsonObject events = null;
        for (int i = 0; i < 50; i++) {
            events = call(HttpMethod.GET, "/api/v1/events?kind=definitions.&since=1h", VIEWER, null).bodyAsJsonObject();
            if (!events.getJsonArray("events").isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(events.getJsonArray("events").getJsonObject(0).getString("message"))
                .isEqualTo("definitions version 1 applied by ops (2 services, 4 applications)");
    }

    @Test
    void the_audit_log_says_who_asked_what_from_where_and_the_answer_and_never_holds_a_secret() throws Exception {
        call(HttpMethod.POST, "/api/v1/definitions", ADMIN, shop);
        call(HttpMethod.POST, "/api/v1/services/shop/start", VIEWER, "");
        call(HttpMethod.POST, "/api/v1/services/shop/start", OPERATOR, "");
        call(HttpMethod.POST, "/api/v1/services/shop/stop", "not-a-token-at-all-really", "");
        call(HttpMethod.GET, "/api/v1/services/shop", VIEWER, null);
        call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                + "\"labels\":{\"alertname\":\"FederaApplicationLoadHigh\",\"service\":\"shop\",\"application\":\"web\","
                + "\"action\":\"scale_out\"},\"startsAt\":\"2026-11-28T06:00:00Z\",\"fingerprint\":\"abc123\"}]}");
        assertThat(call(HttpMethod.GET, "/api/v1/audit", VIEWER, null).statusCode()).isEqualTo(403);

        // Written within a fifth of a second; read back as an operator.
        JsonObject audit = null;
        for (int i = 0; i < 100; i++) {
            audit = call(HttpMethod.GET, "/api/v1/audit?since=1h", OPERATOR, null).bodyAsJsonObject();
            if (audit.getJsonArray("entries").size() >= 6) {
                break;
            }
            Thread.sleep(100);
        }
        List<String> lines = audit.getJsonArray("entries").stream().map(o -> (JsonObject) o)
                .map(e -> e.getString("actor") + " | " + e.getString("source") + " | " + e.getString("action") + " | "
                        + e.getString("target") + " | " + e.getString("result"))
                .toList();
        // Newest first (a request is recorded once answered, after what it asked for); a read (GET) is
        // not a change and is not audited, the audit's own reads neither.
        assertThat(lines).containsExactly(
                "token ops | 127.0.0.1 | POST /api/v1/alerts | alerts | 200 OK",
                "alert FederaApplicationLoadHigh | via token ops | scale out shop/web | shop/web | asked of the lifecycle",
                "unauthenticated | 127.0.0.1 | POST /api/v1/services/shop/stop | services/shop | 401 Unauthorized",
                "token ops | 127.0.0.1 | POST /api/v1/services/shop/start | services/shop | 202 Accepted",
                "token noc | 127.0.0.1 | POST /api/v1/services/shop/start | services/shop | 403 Forbidden",
                "token root | 127.0.0.1 | POST /api/v1/definitions | definitions | 200 OK");
        assertThat(audit.getLong("dropped")).isZero();
        assertThat(audit.encode()).doesNotContain(VIEWER, OPERATOR, ADMIN, "not-a-token-at-all-really");
        assertThat(audit.getJsonArray("entries").getJsonObject(0).getString("at")).endsWith("Z");
    }

    @Test
    void thousands_of_alerts_for_nothing_that_scales_cost_a_bounded_number_of_events_and_forget_no_real_alert() throws Exception {
        // The budget of events holds at most a burst and refills with time: what it may admit in all
        // depends on how long the flood takes on this machine.
        long started = System.nanoTime();
        call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, shop);
        String real = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                + "\"labels\":{\"alertname\":\"FederaApplicationLoadHigh\",\"service\":\"shop\",\"application\":\"web\","
                + "\"action\":\"scale_out\"},\"startsAt\":\"2026-11-28T06:00:00Z\",\"fingerprint\":\"real-1\"}]}";
        assertThat(call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, real).bodyAsJsonObject().getInteger("accepted")).isEqualTo(1);
        // 12,000 distinct alerts naming services that do not exist, 300 to a post (the bodies stay under the test's 64 KiB).
        int unscalable = 0;
        for (int post = 0; post < 40; post++) {
            StringBuilder b = new StringBuilder("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[");
            for (int i = 0; i < 300; i++) {
                b.append(i == 0 ? "" : ",").append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"Flood\",\"service\":\"ghost-")
                        .append(post).append('-').append(i).append("\",\"application\":\"web\",\"action\":\"scale_out\"},")
                        .append("\"fingerprint\":\"f").append(post).append('-').append(i).append("\"}");
            }
            // Sent as fast as they go, unchecked against the API's description (the real alert above
            // was): the budget of events is what is tested, and it refills with time.
            String flood = b.append("]}").toString();
            HttpResponse<Buffer> r = send(request(HttpMethod.POST, "/api/v1/alerts", OPERATOR, flood), flood);
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            unscalable += r.bodyAsJsonObject().getInteger("unscalable");
        }
        assertThat(unscalable).isEqualTo(12_000);
        // The real alert is still remembered: sent again, it is a duplicate, not a second scale-out.
        JsonObject again = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, real).bodyAsJsonObject();
        assertThat(again.getInteger("duplicates")).isEqualTo(1);
        assertThat(again.getInteger("accepted")).isZero();
        // At most a burst of scaling.ignored events were recorded, and the metrics count the rest.
        JsonObject ignored = null;
        String metrics = "";
        for (int i = 0; i < 100 && !metrics.contains("federa_events_dropped_total{kind=\"scaling.ignored\"}"); i++) {
            Thread.sleep(100);
            metrics = call(HttpMethod.GET, "/metrics", VIEWER, null).bodyAsString();
        }
        ignored = call(HttpMethod.GET, "/api/v1/events?kind=scaling.ignored&since=1h&limit=10000", VIEWER, null).bodyAsJsonObject();
        double seconds = (System.nanoTime() - started) / 1e9;
        // HistoryVerticle's budget: a burst of 1,000, then 50 a second.
        assertThat(ignored.getJsonArray("events").size()).as("scaling.ignored events recorded in %.1f s", seconds)
                .isBetween(1, 1_000 + (int) Math.ceil(50 * seconds));
        assertThat(metrics).contains("federa_events_dropped_total{kind=\"scaling.ignored\"}");
    }

    @Test
    void alertmanager_webhooks_are_checked_and_each_alert_occurrence_counts_once() throws Exception {
        call(HttpMethod.POST, "/api/v1/definitions", OPERATOR, shop);
        String firing = "{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\","
                + "\"labels\":{\"alertname\":\"FederaApplicationLoadHigh\",\"service\":\"shop\",\"application\":\"web\","
                + "\"action\":\"scale_out\"},\"startsAt\":\"2026-11-28T06:00:00Z\",\"fingerprint\":\"abc123\"},"
                + "{\"status\":\"firing\",\"labels\":{\"alertname\":\"FederaHostUnreachable\",\"agent\":\"host-1\"}}]}";
        JsonObject first = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, firing).bodyAsJsonObject();
        assertThat(first.getInteger("accepted")).isEqualTo(1);
        assertThat(first.getInteger("ignored")).isEqualTo(1);
        JsonObject again = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, firing).bodyAsJsonObject();
        assertThat(again.getInteger("accepted")).isZero();
        assertThat(again.getInteger("duplicates")).isEqualTo(1);
        // The shop is not started here: the request is recorded and the target moves within the policy.
        JsonObject events = null;
        for (int i = 0; i < 50; i++) {
            events = call(HttpMethod.GET, "/api/v1/events?kind=scaling.&since=1h", VIEWER, null).bodyAsJsonObject();
            if (!events.getJsonArray("events").isEmpty()) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(events.getJsonArray("events").getJsonObject(0).getString("message"))
                .isEqualTo("shop: web 2 → 3 instances: alert FederaApplicationLoadHigh asks to scale out");

        HttpResponse<Buffer> bad = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, "{\"version\":\"3\",\"alerts\":[]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.bodyAsJsonObject().getString("field")).isEqualTo("version");
        HttpResponse<Buffer> notJson = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR, "alerts!");
        assertThat(notJson.statusCode()).isEqualTo(400);
        HttpResponse<Buffer> badAlert = call(HttpMethod.POST, "/api/v1/alerts", OPERATOR,
                "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"labels\":7}]}");
        assertThat(badAlert.bodyAsJsonObject().getString("field")).isEqualTo("alerts[0].labels");
        assertThat(call(HttpMethod.POST, "/api/v1/alerts", null, firing).statusCode()).isEqualTo(401);
    }

    /** One request from a given loopback source address; the manager's status line. */
    private String fromAddress(String source, String token) throws Exception {
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(source, 0));
            s.connect(new java.net.InetSocketAddress("127.0.0.1", manager.port()));
            s.getOutputStream().write(("GET /api/v1/hosts HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                    + token + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return answer.lines().findFirst().orElse("") + (answer.toLowerCase(java.util.Locale.ROOT).contains("retry-after") ? " (Retry-After)" : "");
        }
    }

    @Test
    void token_guesses_from_one_address_are_throttled_and_other_addresses_are_not() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(fromAddress("127.0.0.23", "guess-" + i + "-0123456789abcdef")).startsWith("HTTP/1.1 401");
        }
        assertThat(fromAddress("127.0.0.23", "guess-x-0123456789abcdef")).startsWith("HTTP/1.1 429").endsWith("(Retry-After)");
        assertThat(fromAddress("127.0.0.23", VIEWER)).as("held back, even a good token is not checked").startsWith("HTTP/1.1 429");
        assertThat(fromAddress("127.0.0.24", VIEWER)).startsWith("HTTP/1.1 200");
    }
}
