package io.federa.manager.http;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.client.HttpResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's OpenAPI description as the manager serves it (the resource {@link ApiVerticle} loads),
 * read by swagger-parser, and a check of real answers against it by Atlassian's OpenAPI validator
 * (swagger-request-validator), which validates each body against its response's JSON schema and
 * refuses, besides, a status the operation does not list and a property its schema does not name.
 */
final class OpenApiDescription {
    private static String text;
    private static OpenAPI model;
    private static OpenApiInteractionValidator validator;
    private static final java.util.Set<String> requestsChecked = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private OpenApiDescription() {
    }

    /** The document, read the way {@link ApiVerticle} reads it to serve it. */
    static synchronized String text() {
        if (text == null) {
            try (InputStream in = ApiVerticle.class.getResourceAsStream("openapi.yaml")) {
                assertThat(in).as("the resource openapi.yaml beside ApiVerticle").isNotNull();
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return text;
    }

    /** swagger-parser's reading of the document, references resolved: its messages and its model. */
    static SwaggerParseResult parse() {
        return parse(text());
    }

    /** swagger-parser's reading of {@code document}. */
    static SwaggerParseResult parse(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        return new OpenAPIV3Parser().readContents(document, null, options);
    }

    /** The model, from a reading that gave no message at all. */
    static synchronized OpenAPI model() {
        if (model == null) {
            SwaggerParseResult parsed = parse();
            assertThat(parsed.getMessages()).as("swagger-parser's messages on openapi.yaml").isEmpty();
            model = parsed.getOpenAPI();
        }
        return model;
    }

    /** Every operation described, as "METHOD /path/{param}" (the spelling of {@link ApiVerticle#routes()}). */
    static SortedMap<String, Operation> operations() {
        SortedMap<String, Operation> out = new TreeMap<>();
        model().getPaths().forEach((path, item) -> item.readOperationsMap()
                .forEach((method, op) -> out.put(method.name() + " " + path, op)));
        return out;
    }

    private static synchronized OpenApiInteractionValidator validator() {
        if (validator == null) {
            // allOf (an error with a property of its own) is merged into one schema, so that a
            // property named by either part is expected.
            validator = OpenApiInteractionValidator.createForInlineApiSpecification(text()).withResolveCombinators(true).build();
        }
        return validator;
    }

    /** Whether an operation describes {@code pathAndQuery} (whatever the method). */
    static boolean describes(String pathAndQuery) {
        return template(pathAndQuery.split("\\?", 2)[0]) != null;
    }

    /** The described path template that {@code path} (without its query) falls under, or null. */
    private static String template(String path) {
        for (String t : model().getPaths().keySet()) {
            if (Pattern.matches(Pattern.quote(t).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q"), path)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Checks a real answer of the API against the description: its status must be one the operation
     * lists, and its body must match that response's schema. An answer to a path no operation
     * describes (the 404 for an unknown route) has no schema to match; that every route served is
     * described is checked on the router itself.
     *
     * @return whether the answer was checked
     */
    static boolean assertDescribes(HttpMethod method, String pathAndQuery, HttpResponse<Buffer> answer) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        answer.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
        return assertDescribes(method, pathAndQuery, answer.statusCode(), headers,
                answer.body() == null ? null : answer.body().getBytes());
    }

    /**
     * Checks a request the API took (answered 2xx) against the description: its parameters, its
     * credentials and its body must be ones the operation describes.
     */
    static void assertAccepts(HttpMethod method, String pathAndQuery, MultiMap headers, String body) {
        String[] parts = pathAndQuery.split("\\?", 2);
        // Each kind of request once (its operation, the names of its parameters, the type of its
        // body): a schema check costs far more than the manager's answer, and some tests count on
        // the pace of a flood of requests.
        String kind = method + " " + template(parts[0]) + " " + (parts.length > 1 ? parts[1].replaceAll("=[^&]*", "") : "")
                + " " + headers.get(HttpHeaders.CONTENT_TYPE);
        if (!requestsChecked.add(kind)) {
            return;
        }
        SimpleRequest.Builder request = new SimpleRequest.Builder(method.name().toUpperCase(Locale.ROOT), parts[0]);
        headers.forEach((name, value) -> request.withHeader(name, value));
        if (parts.length > 1) {
            for (String pair : parts[1].split("&")) {
                String[] kv = pair.split("=", 2);
                request.withQueryParam(java.net.URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv.length > 1 ? java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
            }
        }
        if (body != null && !body.isEmpty()) {
            request.withBody(body);
        }
        ValidationReport report = validator().validateRequest(request.build());
        assertThat(report.getMessages().stream()
                .filter(m -> m.getLevel() != ValidationReport.Level.IGNORE && m.getLevel() != ValidationReport.Level.INFO))
                .as("the request %s %s (%s), which the API took, against openapi.yaml:%n%s", method, pathAndQuery,
                        headers.get(HttpHeaders.CONTENT_TYPE), SimpleValidationReportFormat.getInstance().apply(report))
                .isEmpty();
    }

    /** The same, of an answer given as its status, headers and body. */
    static boolean assertDescribes(HttpMethod method, String pathAndQuery, int status, Map<String, String> headers, byte[] body) {
        String path = pathAndQuery.split("\\?", 2)[0];
        if (!describes(path)) {
            return false;
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        headers.forEach(response::withHeader);
        if (body != null) {
            response.withBody(body);
        }
        ValidationReport report = validator().validateResponse(path,
                Request.Method.valueOf(method.name().toUpperCase(Locale.ROOT)), response.build());
        assertThat(report.getMessages().stream()
                .filter(m -> m.getLevel() != ValidationReport.Level.IGNORE && m.getLevel() != ValidationReport.Level.INFO))
                .as("the answer %d to %s %s against openapi.yaml:%n%s%nits body: %s", status, method, pathAndQuery,
                        SimpleValidationReportFormat.getInstance().apply(report),
                        body == null ? "(none)" : new String(body, StandardCharsets.UTF_8))
                .isEmpty();
        return true;
    }
}
