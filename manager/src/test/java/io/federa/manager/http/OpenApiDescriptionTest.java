package io.federa.manager.http;

import io.federa.manager.core.migration.AdmissionCode;
import io.federa.manager.core.migration.Migration;
import io.federa.manager.core.migration.Phase;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's OpenAPI description, read by swagger-parser: valid, and consistent in what every
 * operation says. That it describes exactly the routes served, and that real answers match it, is
 * checked against a running API in {@link ApiVerticleTest}; Redocly's lint in {@link OpenApiLintTest}.
 */
class OpenApiDescriptionTest {
    private static final String ERROR = "#/components/schemas/Error";

    @Test
    void swagger_parser_reads_it_without_a_single_message() {
        var parsed = OpenApiDescription.parse();
        // Errors and warnings alike: an unexpected or misspelt key is a warning to swagger-parser.
        assertThat(parsed.getMessages()).as("swagger-parser's messages").isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.0.3");
        assertThat(parsed.getOpenAPI().getPaths()).hasSizeGreaterThan(15);
    }

    @Test
    void swagger_parser_names_a_stray_property_and_a_schema_referred_to_that_is_missing() {
        // A comma, unquoted, in a flow mapping makes a property of what follows it.
        String broken = OpenApiDescription.text()
                .replace("{ type: string, description: \"The service removed.\" }", "{ type: string, description: The service, removed }")
                .replace("{ $ref: \"#/components/schemas/Managers\" }", "{ $ref: \"#/components/schemas/Managerz\" }");
        assertThat(broken).isNotEqualTo(OpenApiDescription.text());
        assertThat(OpenApiDescription.parse(broken).getMessages())
                .anyMatch(m -> m.contains("removed") && m.contains("unexpected"))
                .anyMatch(m -> m.contains("Managerz"));
    }

    @Test
    void every_operation_has_an_id_of_its_own_a_summary_and_a_tag() {
        Set<String> ids = new HashSet<>();
        OpenApiDescription.operations().forEach((op, o) -> {
            assertThat(o.getOperationId()).as(op).matches("[a-z][A-Za-z]+");
            assertThat(ids.add(o.getOperationId())).as("%s has the operationId %s of another", op, o.getOperationId()).isTrue();
            assertThat(o.getSummary()).as(op).isNotBlank();
            assertThat(o.getTags()).as(op).hasSize(1);
        });
    }

    @Test
    void every_operation_lists_the_errors_every_request_of_its_kind_may_get() {
        OpenApiDescription.operations().forEach((op, o) -> {
            Set<String> statuses = o.getResponses().keySet();
            if (op.equals("GET /health")) {
                // Open to all, with no input: it answers 200 or nothing.
                assertThat(o.getSecurity()).as(op).isEmpty();
                assertThat(statuses).as(op).containsExactly("200");
                return;
            }
            assertThat(o.getSecurity()).as("%s needs the bearer token the document asks by default", op).isNull();
            // Authentication: a missing or bad token, and an address that guessed too often.
            assertThat(statuses).as(op).contains("401", "429");
            if (!op.startsWith("GET ")) {
                // Only the leading manager carries out a change; the role is checked first.
                assertThat(statuses).as(op).contains("403", "503");
                assertThat(o.getResponses().get("503").get$ref()).as(op).isEqualTo("#/components/responses/NotLeader");
            }
            if (o.getRequestBody() != null) {
                assertThat(statuses).as(op).contains("400", "413", "415");
            }
        });
    }

    @Test
    void every_error_answer_is_the_error_schema_or_builds_on_it() {
        var model = OpenApiDescription.model();
        List<String> checked = new ArrayList<>();
        OpenApiDescription.operations().forEach((op, o) -> o.getResponses().forEach((status, r) -> {
            if (status.startsWith("2")) {
                return;
            }
            ApiResponse response = r.get$ref() == null ? r
                    : model.getComponents().getResponses().get(r.get$ref().substring(r.get$ref().lastIndexOf('/') + 1));
            assertThat(response.getContent()).as("%s %s", op, status).containsOnlyKeys("application/json");
            Schema<?> schema = response.getContent().get("application/json").getSchema();
            checked.add(op + " " + status);
            if (ERROR.equals(schema.get$ref())) {
                return;
            }
            assertThat(schema.get$ref()).as("%s %s: a schema of the components", op, status).startsWith("#/components/schemas/");
            Schema<?> named = model.getComponents().getSchemas().get(schema.get$ref().substring("#/components/schemas/".length()));
            assertThat(named.getAllOf()).as("%s %s (%s)", op, status, schema.get$ref()).isNotNull();
            assertThat(named.getAllOf().get(0).get$ref()).as("%s %s (%s)", op, status, schema.get$ref()).isEqualTo(ERROR);
        }));
        assertThat(checked).hasSizeGreaterThan(100);
    }

    @Test
    void the_error_schema_names_the_three_properties_every_error_has() {
        Schema<?> error = OpenApiDescription.model().getComponents().getSchemas().get("Error");
        assertThat(error.getRequired()).containsExactlyInAnyOrder("error", "detail", "field");
        var properties = error.getProperties();
        assertThat(properties).containsOnlyKeys("error", "detail", "field");
        assertThat(properties.get("field").getNullable()).isTrue();
    }

    @Test
    void every_operation_is_described_under_its_own_words() {
        for (Operation o : OpenApiDescription.operations().values()) {
            assertThat(o.getDescription()).as(o.getOperationId()).isNotBlank();
        }
    }

    @Test
    void every_example_of_an_answer_matches_its_schema() throws Exception {
        var model = OpenApiDescription.model();
        List<String> checked = new ArrayList<>();
        for (var e : OpenApiDescription.operations().entrySet()) {
            String[] op = e.getKey().split(" ", 2);
            // A path of the template, each parameter given a value.
            String path = op[1].replaceAll("\\{[^}]+}", "example");
            for (var r : e.getValue().getResponses().entrySet()) {
                String ref = r.getValue().get$ref();
                ApiResponse response = ref == null ? r.getValue()
                        : model.getComponents().getResponses().get(ref.substring(ref.lastIndexOf('/') + 1));
                if (response.getContent() == null) {
                    continue;
                }
                for (var media : response.getContent().entrySet()) {
                    Object example = media.getValue().getExample();
                    if (example == null || !media.getKey().equals("application/json")) {
                        continue;
                    }
                    OpenApiDescription.assertDescribes(HttpMethod.valueOf(op[0]), path, Integer.parseInt(r.getKey()),
                            Map.of("Content-Type", media.getKey()), Json.mapper().writeValueAsBytes(example));
                    checked.add(e.getKey() + " " + r.getKey());
                }
            }
        }
        assertThat(checked).as("the answers with an example").hasSizeGreaterThan(40);
    }

    @Test
    void a_migration_as_the_api_shows_it_matches_its_schema_from_request_to_end() {
        long t = 1_796_000_000_000L;
        List<Migration> migrations = List.of(
                // Queued by a drain, waiting for downtime to be allowed.
                new Migration("m-2", "ledger-1", "0c1a2b3c-4d5e-4f60-8172-8394a5b6c7d8", "ledger", "vault", "host-2", 3, true,
                        Optional.empty(), Optional.empty(), Optional.of("host-2"), "token ops", Phase.REQUESTED, 0, 0, 0,
                        false, false, "waiting: ledger has 1 running of minAvailable 1; moving ledger-1 stops it (allow downtime to move it anyway)",
                        t, t, t, 0, 0, 0, Optional.empty(), false, Optional.of(AdmissionCode.MIN_AVAILABLE), Optional.empty()),
                // Copying, at a rate: the answer says the time left.
                new Migration("m-1", "db-1", "6a9f0672-6095-349c-a546-bc04d726e2fd", "db", "market", "host-1", 1, true,
                        Optional.of("host-3"), Optional.of("host-3"), Optional.empty(), "token ops", Phase.COPYING, 1, 0, 0,
                        false, false, "copying attempt 1", t, t + 90, t + 400, 1_048_576, 4_194_304, 2_097_152.0,
                        Optional.empty(), true, Optional.empty(), Optional.empty()),
                // A surge that ended, its copy verified.
                new Migration("m-3", "web-1", "22a4a2f7-6bc8-32d8-86a6-b408225e6e53", "web", "shop", "host-1", 2, true,
                        Optional.of("host-2"), Optional.empty(), Optional.empty(), "token ops", Phase.DONE, 1, 1, 0,
                        false, false, "done in 9.8 s", t, t + 9_800, t + 9_800, 4_194_304, 4_194_304, 3_000_000.0,
                        Optional.of("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"), false, Optional.empty(),
                        Optional.of("web-3")));
        JsonArray all = new JsonArray();
        for (Migration m : migrations) {
            JsonObject shown = ApiVerticle.migrationJson(m);
            all.add(shown);
            OpenApiDescription.assertDescribes(HttpMethod.GET, "/api/v1/migrations/" + m.id(), 200,
                    Map.of("Content-Type", "application/json"), shown.encode().getBytes(StandardCharsets.UTF_8));
        }
        assertThat(all.getJsonObject(1).getDouble("etaSeconds")).isEqualTo(1.5);
        OpenApiDescription.assertDescribes(HttpMethod.GET, "/api/v1/migrations", 200, Map.of("Content-Type", "application/json"),
                new JsonObject().put("migrations", all).encode().getBytes(StandardCharsets.UTF_8));
    }
}
