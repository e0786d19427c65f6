package io.federa.manager.http;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API's OpenAPI description under Redocly CLI's recommended ruleset, through
 * manager/lint-openapi.sh (which installs the pinned Redocly CLI from npm on its first run and
 * keeps it under target/). The document linted is the one the manager serves, as
 * {@link ApiVerticle} reads it.
 */
class OpenApiLintTest {
    /** Only against a hung npm or node: a first run installs one package, later ones need nothing. */
    private static final long GIVE_UP_MINUTES = 10;

    private record Lint(int exitStatus, String output) {
    }

    private static Path root() {
        return Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
    }

    /** manager/lint-openapi.sh on {@code document}, written to a file under manager/target/. */
    private static Lint lint(String name, String document) throws IOException, InterruptedException {
        Path file = root().resolve("manager/target/openapi-lint").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, document, StandardCharsets.UTF_8);
        Process p;
        try {
            p = new ProcessBuilder(List.of("bash", root().resolve("manager/lint-openapi.sh").toString(), file.toString()))
                    .directory(root().toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("bash cannot be run: " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        if (!p.waitFor(GIVE_UP_MINUTES, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        return new Lint(p.exitValue(), output.join());
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void the_description_served_is_clean_under_redocly_s_recommended_rules() throws Exception {
        Lint lint = lint("openapi.yaml", OpenApiDescription.text());
        assertThat(lint.exitStatus()).as("exit status of manager/lint-openapi.sh (2: node or npm missing, which "
                + "scripts/install-deps.sh installs); its output:%n%s", lint.output()).isZero();
        assertThat(lint.output()).contains("totals: 0 errors, 0 warnings, 0 ignored");
    }

    @Test
    void a_flow_mapping_with_a_bare_comma_and_a_repeated_operation_id_are_found() throws Exception {
        // A description holding a comma, unquoted, in a flow mapping gets a stray property; and two
        // operations under one id.
        String broken = OpenApiDescription.text()
                .replace("{ type: string, description: \"The service removed.\" }", "{ type: string, description: The service, removed }")
                .replace("operationId: getHealth", "operationId: listHosts");
        assertThat(broken).isNotEqualTo(OpenApiDescription.text());
        Lint lint = lint("broken.yaml", broken);
        assertThat(lint.exitStatus()).as(lint.output()).isEqualTo(1);
        assertThat(lint.output()).contains("error struct").contains("removed").contains("error operation-operationId-unique")
                .contains("totals: 2 errors");
    }
}
