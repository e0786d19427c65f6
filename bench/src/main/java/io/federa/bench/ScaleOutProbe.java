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
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Scale-out of a running manager by its own scaling rule, measured from outside over real agent
 * processes ({@code bench/scale-out.sh} starts them and the manager, then this probe):
 * <ol>
 *   <li>applies the definitions (whose scaled application holds for 0 s), starts the service and
 *       waits until it is UP, converged, with nothing waiting and the scaled application at its
 *       starting count of RUNNING VMs;</li>
 *   <li>then, RUNS times: waits out the policy's cooldown since the last scaling decision and a
 *       random pause (0 to {@code --jitter-ms}, default 1 s), so that t0 falls anywhere in the
 *       poll and reconcile cycles; records
 *       t0; sets the simulated CPU load of every RUNNING VM of the application to the high load
 *       (Jolokia {@code simulateLoad} on each VM's agent, which samples at once, so the agent's
 *       published load is past the threshold when the call returns); polls {@code GET /api/v1/vms}
 *       every 50 ms until a VM of the application that was not there before is RUNNING (t1); sets
 *       the load of the same VMs to the low load and waits until the application is back to its
 *       starting count, converged;</li>
 *   <li>after each run, reads the manager's events to split t1 − t0: the scaling decision, the
 *       define and start steps on the agent (the VM is RUNNING on its host when the start step
 *       returns), and the API showing it RUNNING (the next poll of that agent).</li>
 * </ol>
 * Scale-out times come from {@link System#nanoTime()} of this process; the split uses the
 * manager's event times against this process's wall clock (same machine). Prints each run, then
 * p50/p90/p99/max (nearest rank), which it also writes to {@code --summary}.
 */
public final class ScaleOutProbe {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private String api;
    private String viewer;
    private String operator;
    private String service = "shop";
    private String application = "web";
    private double high = 0.95;
    private double low = 0.05;
    private long cooldownMillis = 2_000;
    private long jitterMillis = 1_000;
    private java.util.Random random = new java.util.Random(1);

    /** Agent id (= host id here) to Jolokia port and password. */
    private final Map<String, String[]> agents = new LinkedHashMap<>();

    private record Run(int n, String vm, String host, double seen, double decided, double started, double apiLag,
                       double loadSet, double back, int extraDecisions, String load, String failure) {
    }

    public static void main(String[] args) throws Exception {
        System.exit(new ScaleOutProbe().run(args));
    }

    private int run(String[] args) throws Exception {
        int runs = 50;
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
                case "--definitions" -> definitions = Path.of(v);
                case "--service" -> service = v;
                case "--application" -> application = v;
                case "--high" -> high = Double.parseDouble(v);
                case "--low" -> low = Double.parseDouble(v);
                case "--cooldown-ms" -> cooldownMillis = Long.parseLong(v);
                case "--jitter-ms" -> jitterMillis = Long.parseLong(v);
                case "--seed" -> random = new java.util.Random(Long.parseLong(v));
                case "--summary" -> summary = Path.of(v);
                case "--settings" -> settings = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // Lines "ID PORT PASSWORD ...", written by bench/scale-out.sh.
        for (String line : Files.readAllLines(agentsFile)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3) {
                agents.put(f[0], new String[]{f[1], f[2]});
            }
        }
        String loadBefore = load();

        HttpResponse<String> applied = send("POST", api + "definitions", operator, Files.readString(definitions), "application/yaml");
        if (applied.statusCode() != 200) {
            System.out.println("definitions refused: HTTP " + applied.statusCode() + " " + applied.body());
            return 1;
        }
        if (!awaitTrue(() -> {
            JsonArray hosts = get("hosts").getJsonArray("hosts", new JsonArray());
            return hosts.size() == agents.size() && hosts.stream().allMatch(h -> "REACHABLE".equals(((JsonObject) h).getString("reachability")));
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
        if (!awaitTrue(() -> settled(-1), 180_000, 100)) {
            System.out.println(service + " never came UP: " + get("services/" + service).encode());
            return 1;
        }
        int startCount = running().size();
        System.out.printf(Locale.ROOT, "%s UP, converged, %.2f s after start; %s RUNNING: %s%n", service,
                secondsSince(startAsked), application, running());

        List<Run> done = new ArrayList<>();
        for (int n = 1; n <= runs; n++) {
            Run r = scaleOut(n, startCount);
            done.add(r);
            System.out.println(line(r));
            if (r.failure() != null && r.back() < 0) {
                System.out.println("stopping: the application did not come back to " + startCount + " instances");
                break;
            }
        }
        String loadAfter = load();

        StringBuilder out = new StringBuilder();
        out.append("scale-out of ").append(service).append('/').append(application).append(" by the manager's rule: load of every RUNNING ")
                .append(application).append(" VM set to ").append(high).append(", until a new ").append(application)
                .append(" VM is RUNNING in GET /api/v1/vms; then load ").append(low).append(" until back to ").append(startCount).append('\n');
        out.append("settings: ").append(settings).append("; each run starts after a random pause of 0-").append(jitterMillis)
                .append(" ms\n");
        out.append("machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, load ")
                .append(loadBefore).append(" before, ").append(loadAfter).append(" after\n");
        out.append("runs: ").append(done.size()).append(" of ").append(runs).append(", failed: ")
                .append(done.stream().filter(r -> r.failure() != null).count()).append(", runs with a second scale-out decision: ")
                .append(done.stream().filter(r -> r.extraDecisions() > 0).count()).append('\n');
        for (Run r : done) {
            out.append(line(r)).append('\n');
        }
        out.append(stats("load past threshold -> new VM RUNNING in the API", done.stream().mapToDouble(Run::seen).filter(v -> v >= 0).toArray()));
        out.append(stats("load past threshold -> scaling decision        ", done.stream().mapToDouble(Run::decided).filter(v -> v >= 0).toArray()));
        out.append(stats("load past threshold -> start step done (agent) ", done.stream().mapToDouble(Run::started).filter(v -> v >= 0).toArray()));
        out.append(stats("decision -> start step done (define + start)   ", done.stream().filter(r -> r.decided() >= 0 && r.started() >= 0)
                .mapToDouble(r -> r.started() - r.decided()).toArray()));
        out.append(stats("start step done -> RUNNING in the API          ", done.stream().mapToDouble(Run::apiLag).filter(v -> v >= 0).toArray()));
        out.append(stats("load set on every VM (Jolokia exec, sampled)   ", done.stream().mapToDouble(Run::loadSet).filter(v -> v >= 0).toArray()));
        out.append(stats("load dropped -> back to " + startCount + " instances          ", done.stream().mapToDouble(Run::back).filter(v -> v >= 0).toArray()));
        System.out.print("\n" + out);
        if (summary != null) {
            Files.createDirectories(summary.toAbsolutePath().getParent());
            Files.writeString(summary, out.toString());
            System.out.println("summary written to " + summary);
        }
        return done.stream().anyMatch(r -> r.failure() != null) ? 1 : 0;
    }

    private Run scaleOut(int n, int startCount) throws Exception {
        // Never start within the cooldown of the last decision: the rule would rightly wait.
        long lastDecision = lastDecisionMillis();
        // Plus a random pause, so that the load rises at any point of the manager's and the agents'
        // cycles rather than always at the same one (each run otherwise ends, and the next begins, in
        // step with the reconcile pass).
        long wait = lastDecision + cooldownMillis + 100 + (jitterMillis > 0 ? random.nextLong(jitterMillis) : 0)
                - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        Map<String, String> before = running();
        String load = load();

        long t0 = System.nanoTime();
        long t0Wall = System.currentTimeMillis();
        for (Map.Entry<String, String> vm : before.entrySet()) {
            simulateLoad(vm.getValue(), vm.getKey(), high);
        }
        double loadSet = secondsSince(t0);

        double seen = -1;
        String vm = null;
        String host = null;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && seen < 0) {
            long tick = System.nanoTime();
            try {
                for (Map.Entry<String, String> e : running().entrySet()) {
                    if (!before.containsKey(e.getKey())) {
                        seen = secondsSince(t0);
                        vm = e.getKey();
                        host = e.getValue();
                        break;
                    }
                }
            } catch (Exception e) {
                // the manager did not answer this once
            }
            sleepUntil(tick + TimeUnit.MILLISECONDS.toNanos(50));
        }
        String failure = seen < 0 ? "no new " + application + " VM RUNNING 60 s after the load rose; events "
                + events("scaling.", t0Wall).encode() : null;

        long dropped = System.nanoTime();
        for (Map.Entry<String, String> e : before.entrySet()) {
            simulateLoad(e.getValue(), e.getKey(), low);
        }
        double back = -1;
        final String added = vm;
        if (awaitTrue(() -> {
            Map<String, String> now = running();
            return (added == null || !vmListed(added)) && now.size() == startCount && settled(startCount);
        }, 120_000, 50)) {
            back = secondsSince(dropped);
        } else if (failure == null) {
            failure = "not back to " + startCount + " " + application + " instances 120 s after the load fell: "
                    + get("services/" + service).encode();
        }

        // The split, from the manager's events (its wall clock, this machine).
        double decided = -1;
        double startedAt = -1;
        int extra = 0;
        JsonArray scaling = events("scaling.decision", t0Wall);
        for (int i = scaling.size() - 1; i >= 0; i--) { // the API lists newest first: oldest first here
            JsonObject e = scaling.getJsonObject(i);
            String m = e.getString("message", "");
            if (m.contains(" " + application + " " + startCount + " → " + (startCount + 1) + " ")) {
                if (decided < 0) {
                    decided = (Instant.parse(e.getString("at")).toEpochMilli() - t0Wall) / 1000.0;
                }
            } else if (m.contains(" " + application + " " + (startCount + 1) + " → " + (startCount + 2) + " ")) {
                extra++;
            }
        }
        if (vm != null) {
            JsonArray steps = events("lifecycle.step", t0Wall);
            for (int i = steps.size() - 1; i >= 0; i--) {
                JsonObject e = steps.getJsonObject(i);
                if (e.getString("message", "").contains(" " + vm + " on " + host + ": started")) {
                    startedAt = (Instant.parse(e.getString("at")).toEpochMilli() - t0Wall) / 1000.0;
                    break;
                }
            }
        }
        // Can be a few milliseconds below 0: the manager may poll the agent before it has handled
        // the answer to its start command (whose event then comes second).
        double apiLag = seen >= 0 && startedAt >= 0 ? Math.max(0, seen - startedAt) : -1;
        return new Run(n, String.valueOf(vm), String.valueOf(host), seen, decided, startedAt, apiLag, loadSet, back, extra, load, failure);
    }

    private String line(Run r) {
        String s = String.format(Locale.ROOT,
                "run %2d  %s on %s  load set %s  -> decision %s  -> started %s  -> RUNNING in API %s (%s after the start)"
                        + "  back to start count %s after the drop  load %s",
                r.n(), r.vm(), r.host(), sec(r.loadSet()), sec(r.decided()), sec(r.started()), sec(r.seen()), sec(r.apiLag()),
                sec(r.back()), r.load());
        if (r.extraDecisions() > 0) {
            s += "  (" + r.extraDecisions() + " further scale-out decision(s))";
        }
        return r.failure() == null ? s : s + "\n        FAILED: " + r.failure();
    }

    /** UP, converged, nothing waiting, and (when asked) the application's target at {@code count}. */
    private boolean settled(int count) throws Exception {
        JsonObject s = get("services/" + service);
        if (!"UP".equals(s.getString("state")) || !s.getBoolean("converged", false) || !s.getJsonArray("waiting", new JsonArray()).isEmpty()) {
            return false;
        }
        Object target = s.getJsonObject("scaling", new JsonObject()).getValue(application);
        return count < 0 || (target instanceof Number t && t.intValue() == count);
    }

    /** The application's RUNNING VMs as the manager lists them: name to host. */
    private Map<String, String> running() throws Exception {
        Map<String, String> out = new TreeMap<>();
        JsonArray vms = get("vms").getJsonArray("vms", new JsonArray());
        for (int i = 0; i < vms.size(); i++) {
            JsonObject v = vms.getJsonObject(i);
            if (application.equals(v.getString("application")) && "RUNNING".equals(v.getString("state"))) {
                out.put(v.getString("name"), v.getString("host"));
            }
        }
        return out;
    }

    private boolean vmListed(String name) throws Exception {
        JsonArray vms = get("vms").getJsonArray("vms", new JsonArray());
        for (int i = 0; i < vms.size(); i++) {
            if (name.equals(vms.getJsonObject(i).getString("name"))) {
                return true;
            }
        }
        return false;
    }

    private long lastDecisionMillis() throws Exception {
        JsonArray e = get("events?kind=scaling.decision&since=1h&limit=1").getJsonArray("events", new JsonArray());
        return e.isEmpty() ? 0 : Instant.parse(e.getJsonObject(0).getString("at")).toEpochMilli();
    }

    private JsonArray events(String kind, long sinceMillis) throws Exception {
        String since = URLEncoder.encode(Instant.ofEpochMilli(sinceMillis - 200).toString(), StandardCharsets.UTF_8);
        return get("events?kind=" + kind + "&since=" + since + "&limit=1000").getJsonArray("events", new JsonArray());
    }

    private void simulateLoad(String host, String vm, double ratio) throws Exception {
        String[] a = agents.get(host);
        if (a == null) {
            throw new IllegalStateException("no agent serves " + host);
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a[0] + "/jolokia/"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("federa:" + a[1]).getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"exec\",\"mbean\":\"federa:type=VirtualMachine,name=" + vm
                        + "\",\"operation\":\"simulateLoad\",\"arguments\":[" + ratio + "]}")).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || !r.body().contains("\"status\":200")) {
            throw new IOException("simulateLoad " + ratio + " on " + vm + " at " + host + ": HTTP " + r.statusCode() + " " + r.body());
        }
    }

    private JsonObject get(String path) throws Exception {
        return Probes.get(http, api, viewer, path);
    }

    private HttpResponse<String> send(String method, String url, String token, String body, String type) throws Exception {
        return Probes.send(http, method, url, token, body, type);
    }

}
