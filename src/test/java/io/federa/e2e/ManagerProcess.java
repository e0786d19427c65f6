package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The packaged manager run as its own process, and the ways a test talks to it: its API and bin/federa. */
final class ManagerProcess implements AutoCloseable {
    static final String VIEWER = "demo-viewer-token-0001";
    static final String OPERATOR = "demo-operator-token-0001";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern READY = Pattern.compile("api (https?://\\S+)");

    private final Process process;
    private final HttpClient http;
    /** The authority of the manager's certificate, given to bin/federa as --cacert; null for a manager without TLS. */
    private final Path cacert;
    /** The API's base, e.g. {@code http://127.0.0.1:40123/api/v1/}. */
    final String api;

    private final StringBuilder log;
    /** How this network namespace reaches the API of a manager run in another; null when it runs in this one. */
    private final NetnsPort reach;

    /** The manager's process id (for signals). */
    long pid() {
        return process.pid();
    }

    private ManagerProcess(Process process, String api, StringBuilder log, Path cacert, NetnsPort reach) {
        this.reach = reach;
        this.cacert = cacert;
        this.http = cacert == null ? HttpClient.newHttpClient() : HttpClient.newBuilder().sslContext(Tls.trusting(cacert)).build();
        this.process = process;
        this.api = api;
        this.log = log;
    }

    /** The last {@code lines} lines the manager printed. */
    String logTail(int lines) {
        synchronized (log) {
            String[] all = log.toString().split("\n");
            return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
        }
    }

    /** Starts the manager on {@code config} and waits for its "ready" line. */
    static ManagerProcess start(Path config) throws Exception {
        return start(config, List.of());
    }

    /** Starts the manager on {@code config} with these JVM options (a skewed clock, say) and waits for its "ready" line. */
    static ManagerProcess start(Path config, List<String> jvmOptions) throws Exception {
        return start(config, jvmOptions, null);
    }

    /** Starts a manager whose API serves HTTPS with a certificate of the authority in {@code cacert}. */
    static ManagerProcess start(Path config, List<String> jvmOptions, Path cacert) throws Exception {
        return start(config, jvmOptions, cacert, null);
    }

    /**
     * A manager run inside the network namespace {@code netns} (where its agents and their guests
     * are), its API reached from here through a {@link NetnsPort}.
     */
    static ManagerProcess startIn(String netns, Path config) throws Exception {
        return start(config, List.of(), null, netns);
    }

    private static ManagerProcess start(Path config, List<String> jvmOptions, Path cacert, String netns) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", AgentProcess.root().resolve("manager/target/manager.jar").toString(), config.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder log = new StringBuilder();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    synchronized (log) {
                        log.append(l).append('\n');
                    }
                    Matcher m = READY.matcher(l);
                    if (l.contains(" ready ") && m.find()) {
                        ready.complete(m.group(1));
                    }
                }
                ready.completeExceptionally(new IllegalStateException("manager ended: " + log));
            } catch (java.io.IOException e) {
                ready.completeExceptionally(e);
            }
        }, "manager-output");
        reader.setDaemon(true);
        reader.start();
        String api = ready.get(60, TimeUnit.SECONDS);
        if (netns == null) {
            return new ManagerProcess(p, api, log, cacert, null);
        }
        NetnsPort reach = NetnsPort.open(netns, "127.0.0.1", URI.create(api).getPort());
        return new ManagerProcess(p, reach.here(api), log, cacert, reach);
    }

    /** An API call; the answer's JSON with its status as {@code httpStatus}. {@code path} is under /api/v1/. */
    JsonNode call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api + path)).header("Authorization", "Bearer " + token);
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode n = JSON.readTree(r.body());
        ((ObjectNode) n).put("httpStatus", r.statusCode());
        return n;
    }

    JsonNode get(String path) throws Exception {
        return call("GET", path, VIEWER, null);
    }

    /** GETs {@code path} until {@code condition} holds or {@code millis} have passed; the last answer. */
    JsonNode await(String path, Predicate<JsonNode> condition, long millis) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        JsonNode n = get(path);
        while (!condition.test(n) && System.nanoTime() < end) {
            Thread.sleep(50);
            n = get(path);
        }
        return n;
    }

    /** The metrics, as Prometheus scrapes them. */
    String metrics() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(api.replace("/api/v1/", "/metrics")))
                .header("Authorization", "Bearer " + VIEWER).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Runs bin/federa against this manager; its output, or a failed assertion with it. */
    String federa(String token, String... args) throws Exception {
        if (cacert != null) {
            List<String> withCa = new ArrayList<>(List.of("--cacert", cacert.toString()));
            withCa.addAll(List.of(args));
            return federaAt(api.replace("/api/v1/", ""), token, withCa.toArray(String[]::new));
        }
        return federaAt(api.replace("/api/v1/", ""), token, args);
    }

    /** Runs bin/federa against {@code servers} (one manager's address, or several comma-separated). */
    static String federaAt(String servers, String token, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AgentProcess.root().resolve("bin/federa").toString(),
                "--server", servers, "--token", token));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** Runs bin/federa and returns its exit code and output, whatever they are. */
    Map.Entry<Integer, String> federaExit(String token, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(AgentProcess.root().resolve("bin/federa").toString(),
                "--server", api.replace("/api/v1/", ""), "--token", token));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(600, TimeUnit.SECONDS)).isTrue();
        return Map.entry(p.exitValue(), out);
    }

    /** Kills the manager with SIGKILL: no shutdown hook, nothing flushed. */
    /** Stops the manager the way an operator does (SIGTERM): it resigns the lead on the way out. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() {
        if (reach != null) {
            try {
                reach.close();
            } catch (java.io.IOException e) {
                // Its listener is closed either way.
            }
        }
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
