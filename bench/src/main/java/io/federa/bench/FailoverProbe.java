package io.federa.bench;

import static io.federa.bench.Probes.awaitTrue;
import static io.federa.bench.Probes.load;
import static io.federa.bench.Probes.sec;
import static io.federa.bench.Probes.secondsSince;
import static io.federa.bench.Probes.sleepUntil;
import static io.federa.bench.Probes.stats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failover of a running manager, measured from outside over real agent processes
 * ({@code bench/failover.sh} starts them and the manager, then this probe):
 * <ol>
 *   <li>applies the definitions, starts the service and waits until it is UP with nothing
 *       waiting;</li>
 *   <li>then, RUNS times: finds the host of the watched instance (payment-1) in the service's
 *       status, kills that host's agent with SIGKILL, polls the service every 50 ms until it is UP
 *       again with the instance on another host, restarts the agent with the same configuration,
 *       and waits until the returned agent no longer lists any instance that was moved off it and
 *       the service is UP with nothing waiting;</li>
 *   <li>all along, an observer lists every agent's VMs every 200 ms and counts every VM name seen
 *       RUNNING on two hosts in one round.</li>
 * </ol>
 * Times come from {@link System#nanoTime()} of this process; the kill is the instant just before
 * the signal is sent. Prints each run, then p50/p90/p99/max (nearest rank) and a summary, which it
 * also writes to {@code --summary}.
 */
public final class FailoverProbe {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String api;
    private String viewer;
    private String operator;
    private String service = "shop";
    private String watched = "payment-1";
    private Path pidsFile;
    private Path agentJar;
    private String agentJavaOpts = "-Xmx256m";

    /** One agent process: its id (= the manager's agent name = its host id), Jolokia port and credentials. */
    private static final class Agent {
        final String id;
        final int port;
        final String password;
        final Path config;
        final Path log;
        volatile long pid;

        Agent(String id, int port, String password, long pid, Path config, Path log) {
            this.id = id;
            this.port = port;
            this.password = password;
            this.pid = pid;
            this.config = config;
            this.log = log;
        }
    }

    private record Run(int n, String from, String to, long epoch, List<String> moved, double detected, double recovered,
                       double notUp, int flaps, double restartReady, double staleDropped, String load, String failure) {
    }

    private final Map<String, Agent> agents = new LinkedHashMap<>();
    /** Why agents did not answer the observer: "agent: reason" to count. */
    private final Map<String, AtomicLong> unanswered = new java.util.concurrent.ConcurrentSkipListMap<>();

    public static void main(String[] args) throws Exception {
        System.exit(new FailoverProbe().run(args));
    }

    private int run(String[] args) throws Exception {
        int runs = 20;
        Path agentsFile = null;
        Path definitions = null;
        Path summary = null;
        String settings = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--api" -> api = v.endsWith("/") ? v : v + "/";
                case "--viewer-token" -> viewer = v;
                case "--operator-token" -> operator = v;
                case "--runs" -> runs = Integer.parseInt(v);
                case "--agents-file" -> agentsFile = Path.of(v);
                case "--pids-file" -> pidsFile = Path.of(v);
                case "--agent-jar" -> agentJar = Path.of(v);
                case "--agent-java-opts" -> agentJavaOpts = v;
                case "--definitions" -> definitions = Path.of(v);
                case "--service" -> service = v;
                case "--watch" -> watched = v;
                case "--summary" -> summary = Path.of(v);
                case "--settings" -> settings = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // Lines "ID PORT PASSWORD PID CONFIG LOG", written by bench/failover.sh.
        for (String line : Files.readAllLines(agentsFile)) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 6) {
                agents.put(f[0], new Agent(f[0], Integer.parseInt(f[1]), f[2], Long.parseLong(f[3]), Path.of(f[4]), Path.of(f[5])));
            }
        }
        String loadBefore = load();

        // 1. The service defined and started from nothing.
        HttpResponse<String> applied = send("POST", api + "definitions", operator, Files.readString(definitions), "application/yaml");
        if (applied.statusCode() != 200) {
            System.out.println("definitions refused: HTTP " + applied.statusCode() + " " + applied.body());
            return 1;
        }
        if (!awaitTrue(() -> {
            JsonArray hosts = get("hosts").getJsonArray("hosts", new JsonArray());
            if (hosts.size() != agents.size()) {
                return false;
            }
            for (int i = 0; i < hosts.size(); i++) {
                if (!"REACHABLE".equals(hosts.getJsonObject(i).getString("reachability"))) {
                    return false;
                }
            }
            return true;
        }, 60_000, 100)) {
            System.out.println("not every agent became REACHABLE: " + get("hosts").encode());
            return 1;
        }
        long startAsked = System.nanoTime();
        HttpResponse<String> started = send("POST", api + "services/" + service + "/start", operator, "", "application/json");
        if (started.statusCode() / 100 != 2) {
            System.out.println("start refused: HTTP " + started.statusCode() + " " + started.body());
            return 1;
        }
        if (!awaitTrue(this::settled, 180_000, 100)) {
            System.out.println(service + " never came UP: " + get("services/" + service).encode());
            return 1;
        }
        System.out.printf(Locale.ROOT, "%s UP with nothing waiting %.2f s after start; instances %s%n", service,
                secondsSince(startAsked), hostsOf(get("services/" + service)));

        // 2. The observer: every agent listed every 200 ms.
        AtomicBoolean observing = new AtomicBoolean(true);
        AtomicLong rounds = new AtomicLong();
        AtomicLong fullRounds = new AtomicLong();
        AtomicLong watchedSeen = new AtomicLong();
        AtomicLong maxRunning = new AtomicLong();
        List<String> twice = new CopyOnWriteArrayList<>();
        Thread observer = new Thread(() -> {
            while (observing.get()) {
                long t = System.nanoTime();
                Map<String, String> runningOn = new HashMap<>();
                int answered = 0;
                int running = 0;
                for (Agent a : agents.values()) {
                    Map<String, String> listed = states(a, true);
                    if (listed == null) {
                        continue;
                    }
                    answered++;
                    running += (int) listed.values().stream().filter("RUNNING"::equals).count();
                    listed.forEach((vm, state) -> {
                        if (state.equals("RUNNING")) {
                            String other = runningOn.put(vm, a.id);
                            if (other != null) {
                                twice.add(Instant.now() + " " + vm + " RUNNING on " + other + " and " + a.id);
                            }
                        }
                    });
                }
                rounds.incrementAndGet();
                if (answered == agents.size()) {
                    fullRounds.incrementAndGet();
                }
                if (runningOn.containsKey(watched)) {
                    watchedSeen.incrementAndGet();
                }
                maxRunning.accumulateAndGet(running, Math::max);
                long sleep = 200 - (System.nanoTime() - t) / 1_000_000;
                try {
                    Thread.sleep(Math.max(0, sleep));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "observer");
        observer.setDaemon(true);
        observer.start();

        // 3. The runs.
        List<Run> done = new ArrayList<>();
        for (int n = 1; n <= runs; n++) {
            Run r = failover(n);
            done.add(r);
            System.out.println(line(r));
            if (r.failure() != null && r.recovered() < 0) {
                // The service did not come back: the runs after this one would measure nothing.
                if (!awaitTrue(this::settled, 120_000, 200)) {
                    System.out.println("the service did not settle again; stopping after run " + n);
                    break;
                }
            }
        }
        observing.set(false);
        observer.join(5_000);
        String loadAfter = load();

        // 4. Results.
        StringBuilder out = new StringBuilder();
        out.append("failover of ").append(service).append(": kill -9 of the agent holding ").append(watched)
                .append(", until ").append(service).append(" is UP with ").append(watched).append(" on another host\n");
        out.append("settings: ").append(settings).append('\n');
        out.append("machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load ")
                .append(loadBefore).append(" before, ").append(loadAfter).append(" after\n");
        out.append("runs: ").append(done.size()).append(" of ").append(runs).append(", failed: ")
                .append(done.stream().filter(r -> r.failure() != null).count()).append('\n');
        for (Run r : done) {
            out.append(line(r)).append('\n');
        }
        out.append(stats("kill -> UP elsewhere", done.stream().mapToDouble(Run::recovered).filter(v -> v >= 0).toArray()));
        out.append(stats("shop not UP        ", done.stream().mapToDouble(Run::notUp).filter(v -> v >= 0).toArray()));
        out.append(stats("kill -> not UP     ", done.stream().mapToDouble(Run::detected).filter(v -> v >= 0).toArray()));
        out.append(stats("restart -> stale copy dropped", done.stream().mapToDouble(Run::staleDropped).filter(v -> v >= 0).toArray()));
        out.append("observer: ").append(rounds.get()).append(" rounds over every agent (every 200 ms; ").append(fullRounds.get())
                .append(" with every agent answering, ").append(watchedSeen.get()).append(" seeing ").append(watched)
                .append(" RUNNING, at most ").append(maxRunning.get()).append(" VMs RUNNING in one round); VM seen RUNNING on two hosts at once: ")
                .append(twice.size()).append(" times\n");
        unanswered.forEach((k, v) -> out.append("  not answering the observer: ").append(k).append(" (").append(v.get()).append(" rounds)\n"));
        twice.stream().limit(20).forEach(t -> out.append("  ").append(t).append('\n'));
        System.out.print("\n" + out);
        if (summary != null) {
            Files.createDirectories(summary.toAbsolutePath().getParent());
            Files.writeString(summary, out.toString());
            System.out.println("summary written to " + summary);
        }
        return done.stream().anyMatch(r -> r.failure() != null) || !twice.isEmpty() ? 1 : 0;
    }

    private Run failover(int n) throws Exception {
        JsonObject status = get("services/" + service);
        Map<String, String> where = hostsOf(status);
        String victim = where.get(watched);
        String load = load();
        Agent a = victim == null ? null : agents.get(victim);
        if (a == null) {
            return new Run(n, String.valueOf(victim), "-", 0, List.of(), -1, -1, -1, 0, -1, -1, load,
                    watched + " is on no known host: " + status.encode());
        }
        List<String> moved = new ArrayList<>();
        where.forEach((vm, host) -> {
            if (host.equals(victim)) {
                moved.add(vm);
            }
        });

        // Kill -9 the agent (its test-driver VMs die with it).
        long t0 = System.nanoTime();
        ProcessHandle.of(a.pid).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(a.pid).ifPresent(p -> {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("agent " + a.id + " (pid " + a.pid + ") did not die", e);
            }
        });

        // Poll the service every 50 ms.
        double detected = -1;
        double recovered = -1;
        int flaps = 0;
        boolean wasUp = true;
        JsonObject last = null;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            long tick = System.nanoTime();
            JsonObject s;
            try {
                s = get("services/" + service);
            } catch (Exception e) {
                s = new JsonObject().put("state", "UNKNOWN (" + e + ")");
            }
            long seen = System.nanoTime();
            last = s;
            boolean up = "UP".equals(s.getString("state"));
            String host = hostsOf(s).get(watched);
            if (!up && detected < 0) {
                detected = (seen - t0) / 1e9;
            }
            if (up && !wasUp && host != null && host.equals(victim)) {
                flaps++;
            }
            wasUp = up;
            if (up && host != null && !host.equals(victim)) {
                recovered = (seen - t0) / 1e9;
                break;
            }
            sleepUntil(tick + TimeUnit.MILLISECONDS.toNanos(50));
        }
        String to = last == null ? "-" : String.valueOf(hostsOf(last).get(watched));
        long epoch = last == null ? 0 : epochOf(last, watched);
        String failure = recovered < 0 ? service + " not UP elsewhere after 120 s: " + (last == null ? "" : last.encode()) : null;
        double notUp = recovered < 0 ? -1 : detected < 0 ? 0 : recovered - detected;

        // Restart it with the same configuration: its data directory still holds its domains.
        long restartAt = System.nanoTime();
        double restartReady = -1;
        double staleDropped = -1;
        try {
            restart(a);
            restartReady = secondsSince(restartAt);
            boolean clean = awaitTrue(() -> {
                Map<String, String> listed = states(a);
                if (listed == null) {
                    return false;
                }
                Map<String, String> now = hostsOf(get("services/" + service));
                for (String vm : moved) {
                    if (listed.containsKey(vm) && !victim.equals(now.get(vm))) {
                        return false;
                    }
                }
                return settled();
            }, 120_000, 100);
            if (clean) {
                staleDropped = secondsSince(restartAt);
            } else if (failure == null) {
                failure = "after the restart of " + victim + ", no clean state within 120 s: agent lists " + states(a)
                        + ", service " + get("services/" + service).encode();
            }
        } catch (Exception e) {
            if (failure == null) {
                failure = "restart of " + victim + " failed: " + e;
            }
        }
        return new Run(n, victim, to, epoch, moved, detected, recovered, notUp, flaps, restartReady, staleDropped, load, failure);
    }

    private String line(Run r) {
        String s = String.format(Locale.ROOT,
                "run %2d  %s %s -> %s (epoch %d; moved %s)  kill->not UP %s  kill->UP elsewhere %s  not UP for %s"
                        + "  restart->agent ready %s  restart->stale copy dropped %s  load %s",
                r.n(), watched, r.from(), r.to(), r.epoch(), String.join(",", r.moved()), sec(r.detected()),
                sec(r.recovered()), sec(r.notUp()), sec(r.restartReady()), sec(r.staleDropped()), r.load());
        if (r.flaps() > 0) {
            s += "  (UP again on the dead host " + r.flaps() + " times on the way)";
        }
        return r.failure() == null ? s : s + "\n        FAILED: " + r.failure();
    }

    /** UP, and the last reconcile pass held nothing back for the service. */
    private boolean settled() throws Exception {
        JsonObject s = get("services/" + service);
        return "UP".equals(s.getString("state")) && s.getJsonArray("waiting", new JsonArray()).isEmpty();
    }

    private void restart(Agent a) throws Exception {
        long from = Files.exists(a.log) ? Files.size(a.log) : 0;
        Files.writeString(a.log, "--- restarted by the failover probe at " + Instant.now() + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(agentJavaOpts.trim().split("\\s+")));
        cmd.addAll(List.of("-jar", agentJar.toString(), a.config.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(a.log.toFile())).start();
        a.pid = p.pid();
        Files.writeString(pidsFile, p.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            byte[] all = Files.readAllBytes(a.log);
            String since = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
            if (since.contains(" ready ")) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("agent " + a.id + " ended: " + since);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("agent " + a.id + " not ready after 60 s");
    }

    /** VM name to state as the agent lists them now; null when it does not answer. */
    private Map<String, String> states(Agent a) {
        return states(a, false);
    }

    private Map<String, String> states(Agent a, boolean count) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.port + "/jolokia/"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + a.password)
                            .getBytes(StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(2))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"type\":\"read\",\"mbean\":\"federa:type=VirtualMachine,*\",\"attribute\":[\"Name\",\"State\"]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("HTTP " + r.statusCode());
            }
            JsonObject body = new JsonObject(r.body());
            Map<String, String> out = new HashMap<>();
            if (body.getInteger("status", 0) == 404) {
                return out; // no VM matches the pattern: an empty host
            }
            if (body.getInteger("status", 0) != 200) {
                throw new IOException("Jolokia status " + body.getInteger("status", 0) + " " + body.getString("error_type", ""));
            }
            Object value = body.getValue("value");
            if (value instanceof JsonObject byName) {
                for (String k : byName.fieldNames()) {
                    JsonObject vm = byName.getJsonObject(k);
                    out.put(vm.getString("Name"), vm.getString("State"));
                }
            }
            return out;
        } catch (Exception e) {
            if (count) {
                String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                unanswered.computeIfAbsent(a.id + ": " + reason, k -> new AtomicLong()).incrementAndGet();
            }
            return null;
        }
    }

    private static Map<String, String> hostsOf(JsonObject status) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonArray is = status.getJsonArray("instances", new JsonArray());
        for (int i = 0; i < is.size(); i++) {
            JsonObject o = is.getJsonObject(i);
            out.put(o.getString("name"), o.getString("host"));
        }
        return out;
    }

    private static long epochOf(JsonObject status, String instance) {
        JsonArray is = status.getJsonArray("instances", new JsonArray());
        for (int i = 0; i < is.size(); i++) {
            JsonObject o = is.getJsonObject(i);
            if (instance.equals(o.getString("name"))) {
                return o.getLong("epoch", 0L);
            }
        }
        return 0;
    }

    private JsonObject get(String path) throws Exception {
        return Probes.get(http, api, viewer, path);
    }

    private HttpResponse<String> send(String method, String url, String token, String body, String type) throws Exception {
        return Probes.send(http, method, url, token, body, type);
    }

}
