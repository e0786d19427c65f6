package io.federa.manager.http;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code GET /api/v1/cost} on a whole manager: lines written to its store an hour ago, the demo's
 * definitions applied (catalog-db shared by shop and backoffice, split evenly), and the
 * parameters checked and named.
 */
class CostApiTest {
    private static final String VIEWER = "viewer-token-0123456789";
    private static final String ADMIN = "admin-token-0123456789ab";
    private TestManager manager;
    private WebClient client;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        manager = new TestManager(dir, List.of(), 64 * 1024, List.of(
                new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER),
                new ManagerConfig.Token("root", ADMIN, ManagerConfig.Role.ADMIN)));
        client = WebClient.create(manager.vertx);
        String shop = Files.readString(Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize()
                .resolve("examples/shop.yaml"));
        assertThat(call("/api/v1/definitions", ADMIN, shop).statusCode()).isEqualTo(200);
        io.federa.manager.store.CostFixture.writeMinuteAnHourAgo(dir.resolve("federa"));
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    private HttpResponse<Buffer> call(String path, String token, String body) throws Exception {
        var req = client.request(body == null ? HttpMethod.GET : HttpMethod.POST, manager.port(), "127.0.0.1", path)
                .putHeader("Authorization", "Bearer " + token);
        return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
    }

    private Map<String, Double> totals(String query) throws Exception {
        HttpResponse<Buffer> r = call("/api/v1/cost?" + query, VIEWER, null);
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
        Map<String, Double> out = new HashMap<>();
        r.bodyAsJsonObject().getJsonArray("totals").forEach(o -> {
            JsonObject t = (JsonObject) o;
            assertThat(t.getString("currency")).isEqualTo("EUR");
            out.put(t.getString("key"), t.getDouble("cost"));
        });
        return out;
    }

    @Test
    void by_service_a_shared_application_is_split_evenly_and_the_bill_closes() throws Exception {
        HttpResponse<Buffer> r = call("/api/v1/cost?by=service&since=1d&step=1h", VIEWER, null);
        JsonObject body = r.bodyAsJsonObject();
        assertThat(body.getString("by")).isEqualTo("service");
        assertThat(body.getString("step")).isEqualTo("1h");
        JsonArray bill = body.getJsonArray("bill");
        assertThat(bill).hasSize(1);
        assertThat(bill.getJsonObject(0).getDouble("hosts")).isCloseTo(10.5, within(1e-9));
        assertThat(bill.getJsonObject(0).getDouble("idle")).isCloseTo(3.5, within(1e-9));
        Map<String, Double> t = totals("by=service&since=1d&step=1h");
        assertThat(t).containsOnlyKeys("shop", "backoffice", "(idle)");
        assertThat(t.get("shop")).isCloseTo(2.0 + 2.0, within(1e-9));
        assertThat(t.get("backoffice")).isCloseTo(1.0 + 2.0, within(1e-9));
        assertThat(t.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(10.5, within(1e-9));
        JsonObject shop = body.getJsonArray("totals").stream().map(JsonObject.class::cast)
                .filter(x -> x.getString("key").equals("shop")).findFirst().orElseThrow();
        assertThat(shop.getDouble("cpuSeconds")).isCloseTo(1_800 + 1_800, within(1e-6));
        assertThat(shop.getDouble("bytesSent")).isCloseTo(1_000 + 2_500, within(1e-9));
    }

    @Test
    void without_a_step_the_period_starts_in_the_unit_since_counts_back_in() throws Exception {
        JsonObject hours = call("/api/v1/cost?by=service&since=3h", VIEWER, null).bodyAsJsonObject();
        assertThat(hours.getString("step")).isEqualTo("1h");
        JsonObject minutes = call("/api/v1/cost?by=service&since=90m", VIEWER, null).bodyAsJsonObject();
        assertThat(minutes.getString("step")).isEqualTo("1m");
        // since=90m starts 90 minutes back to the minute, not at midnight.
        long from = java.time.Instant.parse(minutes.getString("from")).toEpochMilli();
        long to = java.time.Instant.parse(minutes.getString("to")).toEpochMilli();
        assertThat(to - from).isBetween(90 * 60_000L, 91 * 60_000L);
        assertThat(call("/api/v1/cost?by=service&since=1d", VIEWER, null).bodyAsJsonObject().getString("step")).isEqualTo("1d");
        // The hour-old minute is in a report of the last 3 hours, as it is in one of the day.
        assertThat(totals("by=service&since=3h")).isEqualTo(totals("by=service&since=1d"));
    }

    @Test
    void by_host_and_site_idle_is_part_of_each_and_gaps_are_shown() throws Exception {
        assertThat(totals("by=host&since=1d")).containsOnly(Map.entry("host-1", 9.0), Map.entry("host-2", 1.5));
        assertThat(totals("by=site&since=1d")).containsOnly(Map.entry("paris", 9.0), Map.entry("lyon", 1.5));
        JsonObject lyon = call("/api/v1/cost?by=site&since=1d", VIEWER, null).bodyAsJsonObject().getJsonArray("totals")
                .stream().map(JsonObject.class::cast).filter(x -> x.getString("key").equals("lyon")).findFirst().orElseThrow();
        assertThat(lyon.getDouble("idleCost")).isEqualTo(0.5);
        assertThat(lyon.getDouble("gapSeconds")).isEqualTo(5.0);
        assertThat(totals("by=application&since=1d&step=1m")).containsOnly(Map.entry("catalog-db", 4.0),
                Map.entry("web", 2.0), Map.entry("reports", 1.0), Map.entry("(idle)", 3.5));
    }

    @Test
    void bad_parameters_are_refused_naming_the_problem() throws Exception {
        record Bad(String query, String field, String detail) {
        }
        for (Bad b : List.of(
                new Bad("by=vm", "by", "by must be one of service, application, host, site; got \"vm\""),
                new Bad("since=last-month", "since", "since must be an instant such as 2026-11-28T04:00:00Z or a duration such as 90s, 15m, 2h, 7d; got last-month"),
                new Bad("step=1w", "step", "step must be a duration such as 1m, 1h, 1d; got 1w"),
                new Bad("step=90s", "step", "step must be a whole number of minutes (1m, 1h, 1d), got 90 s"),
                new Bad("since=200d&step=1h", "since", "a step of 1h reads hours, kept for 90d; for a longer period give a step of whole days"),
                new Bad("since=30d&step=1m", "since", "since and step ask for 43200 steps; at most 10080: give a longer step"))) {
            HttpResponse<Buffer> r = call("/api/v1/cost?" + b.query, VIEWER, null);
            assertThat(r.statusCode()).as(b.query).isEqualTo(400);
            assertThat(r.bodyAsJsonObject().getString("field")).as(b.query).isEqualTo(b.field);
            assertThat(r.bodyAsJsonObject().getString("detail")).as(b.query).isEqualTo(b.detail);
        }
    }
}
