package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real Prometheus server (Debian's {@code prometheus}) on 127.0.0.1, its data in a folder of the test's. */
final class PrometheusProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** e.g. {@code http://127.0.0.1:40123} */
    final String base;

    private PrometheusProcess(Process process, Path log, String base) {
        this.process = process;
        this.log = log;
        this.base = base;
    }

    /** Starts Prometheus on {@code config}, keeping its data and log in {@code dir}, and waits until it is ready. */
    static PrometheusProcess start(Path config, Path dir) throws Exception {
        int port = AgentProcess.freePort();
        Path log = dir.resolve("prometheus.log");
        Process p;
        try {
            p = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("tsdb"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new IOException("prometheus cannot be run (scripts/install-deps.sh installs it): " + e.getMessage(), e);
        }
        PrometheusProcess prometheus = new PrometheusProcess(p, log, "http://127.0.0.1:" + port);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!prometheus.ready()) {
            if (!p.isAlive() || System.nanoTime() > end) {
                prometheus.close();
                throw new IllegalStateException("Prometheus did not become ready: " + prometheus.log());
            }
            Thread.sleep(200);
        }
        return prometheus;
    }

    private boolean ready() throws InterruptedException {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** A GET of the HTTP API, e.g. {@code /api/v1/targets}; the answer's JSON. */
    JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** An instant query at the present time: the answer's JSON ({@code status}, {@code data.result}, or {@code error}). */
    JsonNode query(String expr) throws Exception {
        return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    }

    /** What Prometheus logged so far. */
    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(its log cannot be read: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
