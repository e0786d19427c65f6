package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Usage;
import io.federa.manager.store.CostStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling ahead of a daily peak, on the demo's four hosts (libvirt's test driver) and its
 * manager, every part a real process. Before the manager starts, its store is given two days and
 * some hours of the shop's web front end, minute by minute: {@link #LOW} CPUs busy, and
 * {@link #PEAK} for an hour every day from a time of day about seven minutes after the test's now.
 * The web policy looks 15 minutes ahead: the manager's load forecast (60 s after it starts, then
 * every 5 min) sees the peak coming, and a third web instance runs before the peak's time. At that
 * time the peak's load is put on web's instances with {@code federa vm load}: on the two replicas
 * it would be above the policy's threshold; on three it is below, and no rule has to catch up.
 *
 * <p>Until then the web instances run at the history's low level, split among them: the CPU time
 * the agents report follows a simulated load, so the minutes the manager meters itself continue
 * the stored trace instead of the test driver's clock (1 CPU per VM), which would move the
 * forecast.
 */
class ScalingAheadEndToEndTest {
    private static final long MINUTE = 60_000L;
    private static final long DAY = 24 * 60 * MINUTE;
    /** web's CPUs busy outside the peak: 0.40 of 2 instances × 2 vCPUs, 0.27 of 3. */
    private static final double LOW = 1.6;
    /**
     * web's CPUs busy during the peak: 0.825 of 2 instances × 2 vCPUs, above the policy's 0.75;
     * 0.55 of 3. Its distance to 4.5 (0.75 of 3) leaves room for the minutes metered while the
     * shop starts, which shift the forecast a little, without a fourth instance.
     */
    private static final double PEAK = 3.3;
    private static final int VCPUS = 2;
    private static final double THRESHOLD = 0.75;
    private static final Pattern FORECAST_DECISIONS = Pattern.compile(
            "(?m)^federa_scaling_decisions_total\\{[^}]*source=\"forecast\"[^}]*} (\\S+)$");

    @Test
    void a_replayed_daily_peak_gets_its_web_instance_before_it_arrives(@TempDir Path dir) throws Exception {
        long now = System.currentTimeMillis();
        long peakAt = now / MINUTE * MINUTE + 8 * MINUTE;
        Path store = dir.resolve("manager/federa");
        try (CostStore s = CostStore.openFile(store)) {
            s.writeMinutes(history(now, peakAt));
        }

        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String id : List.of("host-1", "host-2", "host-3", "host-4")) {
            int p = AgentProcess.freePort();
            while (ports.containsValue(p)) {
                p = AgentProcess.freePort();
            }
            ports.put(id, p);
        }
        List<AgentProcess> agents = new ArrayList<>();
        ManagerProcess m = null;
        try {
            for (String id : ports.keySet()) {
                agents.add(AgentProcess.start(AgentProcess.realDemoConfig(id, dir, ports.get(id))));
            }
            for (AgentProcess a : agents) {
                a.awaitJolokiaUrl(Duration.ofSeconds(60));
            }
            String managerYaml = Files.readString(AgentProcess.root().resolve("demo/manager.yaml"));
            for (int i = 1; i <= 4; i++) {
                managerYaml = NocStack.replace(managerYaml, "port: 878" + i + ",", "port: " + ports.get("host-" + i) + ",");
            }
            managerYaml = NocStack.replace(managerYaml, "port: 8080", "port: 0")
                    .replaceAll("(?m)^  file: .*$", "  file: " + store);
            Path mconf = dir.resolve("manager.yaml");
            Files.writeString(mconf, managerYaml);
            m = ManagerProcess.start(mconf);

            // The example's policy as it is (hold 30 s, cooldown 60 s), looking 15 minutes ahead.
            String shop = NocStack.replace(Files.readString(AgentProcess.root().resolve("examples/shop.yaml")),
                    "scaleInWindow: 5m", "scaleInWindow: 5m\n      ahead: 15m");
            assertThat(m.call("POST", "definitions", ManagerProcess.OPERATOR, shop).path("httpStatus").asInt()).isEqualTo(200);
            m.await("hosts", n -> n.path("hosts").findValuesAsText("reachability").stream().allMatch("REACHABLE"::equals), 30_000);
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "120")).contains("shop: UP after");

            // Until the peak's time: web at the history's low level, spread over the instances it has.
            List<String> loaded = new ArrayList<>();
            long thirdRunningAt = -1;
            while (System.currentTimeMillis() < peakAt) {
                List<String> web = runningWeb(m.get("vms"));
                if (!web.equals(loaded)) {
                    for (String vm : web) {
                        load(m, vm, LOW / (web.size() * VCPUS));
                    }
                    loaded = web;
                }
                if (thirdRunningAt < 0 && web.contains("web-3")) {
                    thirdRunningAt = System.currentTimeMillis();
                }
                Thread.sleep(1_000);
            }
            JsonNode decisions = m.get("events?kind=scaling.decision&since=1h&limit=100");
            String told = String.format(Locale.ROOT, "peak at %s; events:%n%s%nmanager:%n%s", Instant.ofEpochMilli(peakAt),
                    m.get("events?since=1h&limit=1000").toPrettyString(), m.logTail(60));
            JsonNode ahead = null;
            for (JsonNode e : decisions.path("events")) {
                if (e.path("message").asText().startsWith("shop: web 2 → 3 instances: forecast: ")) {
                    ahead = e;
                }
            }
            assertThat(ahead).as("a decision on the forecast; %s", told).isNotNull();
            assertThat(Instant.parse(ahead.path("at").asText())).as(told).isBefore(Instant.ofEpochMilli(peakAt));
            assertThat(ahead.path("message").asText()).as(told).contains("(rule: ahead 15 min)");
            assertThat(thirdRunningAt).as("web-3 running before the peak; %s", told).isPositive().isLessThan(peakAt);
            assertThat(decisions.path("events")).as("only the forecast decided; %s", told).hasSize(1);

            // The minutes the manager metered meanwhile continue the history: web's CPU time followed
            // the simulated load (LOW × 60 CPU-seconds a minute), not the test driver's clock (1 CPU
            // per VM: 180 a minute on three).
            JsonNode lastMinute = null;
            for (JsonNode r : m.get("cost?by=application&since=5m&step=1m").path("rows")) {
                if (r.path("key").asText().equals("web")) {
                    lastMinute = r;
                }
            }
            assertThat(lastMinute).as("a metered minute of web; %s", told).isNotNull();
            assertThat(lastMinute.path("cpuSeconds").asDouble()).as("%s", lastMinute)
                    .isCloseTo(LOW * 60, org.assertj.core.api.Assertions.withinPercentage(15));

            // The peak arrives: its load, on the instances web has now.
            List<String> web = runningWeb(m.get("vms"));
            assertThat(web).as("the capacity is there before the load: %s", told).containsExactly("web-1", "web-2", "web-3");
            assertThat(PEAK / (2 * VCPUS)).as("on the two replicas the peak would be above the threshold").isGreaterThan(THRESHOLD);
            double each = PEAK / (web.size() * VCPUS);
            for (String vm : web) {
                load(m, vm, each);
            }
            JsonNode seen = m.await("vms", n -> runningLoads(n).values().stream().allMatch(l -> Math.abs(l - each) < 1e-3), 60_000);
            assertThat(runningLoads(seen).values()).as("%s", seen).allSatisfy(l -> assertThat(l).isCloseTo(each,
                    org.assertj.core.api.Assertions.within(1e-3)).isLessThan(THRESHOLD));
            // Longer than the rule's hold of 30 s: below the threshold, nothing more to decide.
            Thread.sleep(40_000);
            assertThat(m.get("events?kind=scaling.decision&since=1h&limit=100").path("events")).as(told).hasSize(1);
            assertThat(m.get("services/shop").path("scaling").path("web").asInt()).isEqualTo(3);

            Matcher counted = FORECAST_DECISIONS.matcher(m.metrics());
            List<String> counts = new ArrayList<>();
            while (counted.find()) {
                counts.add(counted.group(0));
            }
            assertThat(counts).as("forecast decisions on /metrics").anySatisfy(l -> assertThat(l)
                    .contains("service=\"shop\"").contains("application=\"web\"").contains("direction=\"out\"").endsWith(" 1.0"));
        } finally {
            if (m != null) {
                m.close();
            }
            for (AgentProcess a : agents) {
                a.close();
            }
        }
    }

    /**
     * web's minutes from two days and six hours before {@code now} to {@code now}, as the manager
     * writes them: one line per host running an instance (host-2 and host-3, half the CPUs each),
     * with what the test driver's counters send a minute (about 3 MB in 547,000 packets per VM, as
     * measured on the demo), costed at those hosts' rates (demo/host-2.yaml, demo/host-3.yaml).
     */
    private static List<CostLine> history(long now, long peakAt) {
        List<CostLine> lines = new ArrayList<>();
        long end = now / MINUTE * MINUTE;
        double gibHours = 20.0 / 60;
        long bytes = 3_010_000;
        long packets = 547_000;
        for (long t = end - 2 * DAY - 6 * 60 * MINUTE; t < end; t += MINUTE) {
            boolean peak = Math.floorMod(t - peakAt, DAY) < 60 * MINUTE;
            long half = Math.round((peak ? PEAK : LOW) / 2 * 60e9);
            lines.add(new CostLine(t, "host-2", "paris", "web", "EUR", new Usage(half, gibHours, bytes, packets),
                    half / 1e9 * 0.000014 + gibHours * 0.00014 + bytes / 1e9 * 0.02 + packets * 0.0000001, 0));
            lines.add(new CostLine(t, "host-3", "lyon-colo", "web", "EUR", new Usage(half, gibHours, bytes, packets),
                    half / 1e9 * 0.000006 + gibHours * 0.00004 + bytes / 1e9 * 0.05 + packets * 0.0000002, 0));
        }
        return lines;
    }

    private static void load(ManagerProcess m, String vm, double ratio) throws Exception {
        m.federa(ManagerProcess.OPERATOR, "vm", "load", vm, String.format(Locale.ROOT, "%.4f", ratio));
    }

    /** The names of web's running instances, sorted. */
    private static List<String> runningWeb(JsonNode vms) {
        return List.copyOf(runningLoads(vms).keySet());
    }

    /** web's running instances and the load the manager sees on each, by name. */
    private static Map<String, Double> runningLoads(JsonNode vms) {
        Map<String, Double> out = new java.util.TreeMap<>();
        for (JsonNode v : vms.path("vms")) {
            if (v.path("application").asText().equals("web") && v.path("state").asText().equals("RUNNING")) {
                out.put(v.path("name").asText(), v.path("cpuLoadRatio").asDouble());
            }
        }
        return out;
    }
}
