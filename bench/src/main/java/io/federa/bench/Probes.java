package io.federa.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** What the probes over real processes share: waiting, timing, percentiles, the machine's load. */
final class Probes {
    private Probes() {
    }

    /** A condition polled until it holds; an exception means "not yet". */
    interface Check {
        boolean ok() throws Exception;
    }

    /** Polls {@code c} every {@code everyMillis} until it holds (true) or {@code millis} have passed (false). */
    static boolean awaitTrue(Check c, long millis, long everyMillis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            try {
                if (c.ok()) {
                    return true;
                }
            } catch (Exception e) {
                // not yet: the manager or the agent may not answer for a moment
            }
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(everyMillis);
        }
    }

    static double secondsSince(long nanoTime) {
        return (System.nanoTime() - nanoTime) / 1e9;
    }

    static void sleepUntil(long nanoTime) throws InterruptedException {
        long ms = (nanoTime - System.nanoTime()) / 1_000_000;
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    /** The machine's load averages (1, 5, 15 min), as /proc/loadavg gives them. */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** An API call with a bearer token (5 s deadline); a GET when {@code body} is null. */
    static java.net.http.HttpResponse<String> send(java.net.http.HttpClient http, String method, String url, String token,
                                                   String body, String type) throws Exception {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(java.time.Duration.ofSeconds(5)).header("Authorization", "Bearer " + token);
        if (type != null) {
            b.header("Content-Type", type);
        }
        b = body == null ? b.GET() : b.method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** GET {@code api + path} as JSON; anything but 200 is an exception naming the path and the answer. */
    static io.vertx.core.json.JsonObject get(java.net.http.HttpClient http, String api, String token, String path) throws Exception {
        java.net.http.HttpResponse<String> r = send(http, "GET", api + path, token, null, null);
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + r.statusCode() + " " + r.body());
        }
        return new io.vertx.core.json.JsonObject(r.body());
    }

    static String sec(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%.2f s", v);
    }

    /** Nearest rank: the smallest value with at least p% of the values at or below it. */
    static double nearestRank(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** One line: min, mean, p50, p90, p99 (nearest rank) and max, in seconds. */
    static String stats(String what, double[] values) {
        if (values.length == 0) {
            return what + ": no value\n";
        }
        double[] v = values.clone();
        Arrays.sort(v);
        double mean = Arrays.stream(v).average().orElse(0);
        return String.format(Locale.ROOT, "%s (%d runs): min %.2f s, mean %.2f s, p50 %.2f s, p90 %.2f s, p99 %.2f s, max %.2f s%n",
                what, v.length, v[0], mean, nearestRank(v, 50), nearestRank(v, 90), nearestRank(v, 99), v[v.length - 1]);
    }
}
