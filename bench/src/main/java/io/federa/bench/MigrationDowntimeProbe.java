package io.federa.bench;

import static io.federa.bench.Probes.awaitTrue;
import static io.federa.bench.Probes.load;
import static io.federa.bench.Probes.stats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Downtime of a service while its VMs move: the shop started on real agents, each of its
 * applications' first instance given DATA_MIB of random data, then moved again and again
 * ({@code POST /api/v1/migrations} with downtime allowed, placement choosing the destination). Polling the migration and
 * the service every 50 ms, each run measures:
 * <ul>
 *   <li>VM outage: from the first answer showing the move past STOPPING to the first showing it
 *       VERIFYING (running at its destination);</li>
 *   <li>service DOWN: how long the service's state was DOWN during the move (the manager's view,
 *       one poll interval of resolution);</li>
 *   <li>the move: from the request to DONE.</li>
 * </ul>
 */
public final class MigrationDowntimeProbe {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private String api;
    private String viewer;
    private String operator;

    private record Run(String app, String vm, String from, String to, double outage, double down, double total, long bytes) {
    }

    public static void main(String[] args) throws Exception {
        System.exit(new MigrationDowntimeProbe().run(args));
    }

    private int run(String[] args) throws Exception {
        int runs = 10;
        int dataMib = 256;
        Path runDir = null;
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
                case "--data-mib" -> dataMib = Integer.parseInt(v);
                case "--run-dir" -> runDir = Path.of(v);
                case "--definitions" -> definitions = Path.of(v);
                case "--summary" -> summary = Path.of(v);
                case "--settings" -> settings = v;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String loadBefore = load();
        HttpResponse<String> applied = send("POST", api + "definitions", operator, Files.readString(definitions), "application/yaml");
        if (applied.statusCode() != 200) {
            System.out.println("definitions refused: HTTP " + applied.statusCode() + " " + applied.body());
            return 1;
        }
        awaitTrue(() -> get("hosts").getJsonArray("hosts").stream()
                .allMatch(h -> "REACHABLE".equals(((JsonObject) h).getString("reachability"))), 30_000, 200);
        send("POST", api + "services/shop/start", operator, "", "application/json");
        if (!awaitTrue(() -> {
            JsonObject s = get("services/shop");
            return "UP".equals(s.getString("state")) && s.getBoolean("converged", false);
        }, 120_000, 200)) {
            System.out.println("the shop did not come UP: " + get("services/shop"));
            return 1;
        }
        List<String> apps = List.of("catalog-db", "payment", "web");
        Map<String, String> moved = new LinkedHashMap<>();
        Random random = new Random(11);
        for (String app : apps) {
            String vm = app + "-1";
            JsonObject v = vm(vm);
            Path disk = runDir.resolve(v.getString("host") + "-data").resolve("vms").resolve(v.getString("uuid")).resolve("disk0.raw");
            byte[] chunk = new byte[1 << 20];
            try (FileChannel c = FileChannel.open(disk, StandardOpenOption.WRITE)) {
                for (int k = 0; k < dataMib; k++) {
                    random.nextBytes(chunk);
                    c.write(ByteBuffer.wrap(chunk), (long) k << 20);
                }
                c.force(true);
            }
            moved.put(app, vm);
        }
        System.out.printf("%d MiB of random data written into %s; %d moves of each%n", dataMib, moved.values(), runs);
        List<Run> all = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            for (String app : apps) {
                Run run = migrate(app, moved.get(app));
                if (run == null) {
                    return 1;
                }
                all.add(run);
                System.out.printf(Locale.ROOT, "%-10s %-12s %s → %s  VM outage %.2f s, shop DOWN %.2f s, move %.2f s, %d MiB copied%n",
                        app, run.vm(), run.from(), run.to(), run.outage(), run.down(), run.total(), run.bytes() >> 20);
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("migration downtime: %s; %d MiB of data per VM; load before %s, after %s%n", settings, dataMib,
                loadBefore, load()));
        for (String app : apps) {
            List<Run> mine = all.stream().filter(x -> x.app().equals(app)).toList();
            out.append(stats(app + ": VM outage (stopped at the source → running at the destination)",
                    mine.stream().mapToDouble(Run::outage).toArray()));
            out.append(stats(app + ": shop DOWN", mine.stream().mapToDouble(Run::down).toArray()));
            out.append(stats(app + ": whole move (request → DONE)", mine.stream().mapToDouble(Run::total).toArray()));
        }
        System.out.print(out);
        if (summary != null) {
            Files.createDirectories(summary.getParent());
            Files.writeString(summary, out.toString());
        }
        return 0;
    }

    private JsonObject vm(String name) throws Exception {
        for (Object o : get("vms").getJsonArray("vms")) {
            JsonObject v = (JsonObject) o;
            if (v.getString("name").equals(name)) {
                return v;
            }
        }
        throw new IOException("no VM " + name);
    }

    private Run migrate(String app, String vm) throws Exception {
        String from = vm(vm).getString("host");
        long t0 = System.nanoTime();
        HttpResponse<String> asked = send("POST", api + "migrations", operator, new JsonObject().put("vm", vm)
                .put("allowDowntime", true).encode(),
                "application/json");
        if (asked.statusCode() != 202) {
            System.out.println("migration of " + vm + " refused: " + asked.body());
            return null;
        }
        String id = new JsonObject(asked.body()).getString("id");
        long stopped = 0;
        long running = 0;
        long downNanos = 0;
        long last = System.nanoTime();
        JsonObject m;
        while (true) {
            m = get("migrations/" + id);
            String phase = m.getString("phase");
            String state = get("services/shop").getString("state");
            long now = System.nanoTime();
            if ("DOWN".equals(state)) {
                downNanos += now - last;
            }
            last = now;
            if (stopped == 0 && !phase.equals("REQUESTED")) {
                stopped = now;
            }
            if (running == 0 && (phase.equals("VERIFYING") || phase.equals("CLEANUP") || phase.equals("DONE"))) {
                running = now;
            }
            if (phase.equals("DONE") || phase.equals("ROLLED_BACK")) {
                break;
            }
            if (now - t0 > 600_000_000_000L) {
                System.out.println("migration " + id + " still " + phase + " after 600 s: " + m.encode());
                return null;
            }
            Thread.sleep(50);
        }
        if (!m.getString("phase").equals("DONE")) {
            System.out.println("migration " + id + " rolled back: " + m.getString("note"));
            return null;
        }
        // The service recovers at the next poll: count DOWN until it is UP again.
        long end = System.nanoTime();
        while (!"UP".equals(get("services/shop").getString("state")) && System.nanoTime() - end < 60_000_000_000L) {
            Thread.sleep(50);
            long now = System.nanoTime();
            downNanos += now - last;
            last = now;
        }
        return new Run(app, vm, from, m.getString("destination"), (running - stopped) / 1e9, downNanos / 1e9,
                (end - t0) / 1e9, m.getLong("bytesDone"));
    }

    private JsonObject get(String path) throws Exception {
        return Probes.get(http, api, viewer, path);
    }

    private HttpResponse<String> send(String method, String url, String token, String body, String type) throws Exception {
        return Probes.send(http, method, url, token, body, type);
    }
}
