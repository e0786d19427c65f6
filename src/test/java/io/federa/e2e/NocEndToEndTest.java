package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A host dies under a NOC wired as docs/noc.md says (NocStack: real agents, manager, Prometheus and
 * Alertmanager on the example configurations and the rules of alert-rules/): Alertmanager then
 * holds exactly the alerts docs/noc.md lists under "When a host dies", each active or suppressed
 * as listed, each with a runbook link to a section of that page. The holds of 2 min and more are
 * cut to a tenth, so that the slowest (10 min) fires within the test; those of 1 min and less are
 * kept, so that what a failover mends within a minute (the shop DOWN for some seconds) stays
 * silent as it does in production.
 */
class NocEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HOLD = Pattern.compile("for: ([0-9]+)m");
    private static final Pattern LISTED = Pattern.compile("^\\| `(Federa[A-Za-z]+)` \\| [^|]+ \\| (active|suppressed)[^|]*\\|",
            Pattern.MULTILINE);
    private final HttpClient http = HttpClient.newHttpClient();

    /** Holds of 2 min and more cut to a tenth, in seconds. */
    static String shortened(String rules) {
        Matcher m = HOLD.matcher(rules);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            int minutes = Integer.parseInt(m.group(1));
            m.appendReplacement(b, minutes >= 2 ? "for: " + minutes * 6 + "s" : m.group());
        }
        m.appendTail(b);
        return b.toString();
    }

    /** What docs/noc.md says a dead host raises: alert → active or suppressed. */
    static Map<String, String> listed(String noc) {
        int from = noc.indexOf("\n### When a host dies\n");
        assertThat(from).as("docs/noc.md has a section 'When a host dies'").isPositive();
        int to = noc.indexOf("\n#", from + 2);
        Map<String, String> alerts = new TreeMap<>();
        Matcher m = LISTED.matcher(noc.substring(from, to < 0 ? noc.length() : to));
        while (m.find()) {
            alerts.put(m.group(1), m.group(2));
        }
        return alerts;
    }

    @Test
    void a_dead_host_raises_exactly_the_alerts_the_noc_guide_lists_with_its_poll_failures_inhibited(@TempDir Path dir)
            throws Exception {
        Path root = AgentProcess.root();
        String noc = Files.readString(root.resolve("docs/noc.md"));
        Map<String, String> expected = listed(noc);
        assertThat(expected).as("the alerts docs/noc.md lists for a dead host").containsEntry("FederaHostUnreachable", "active")
                .containsEntry("FederaAgentPollsFailing", "suppressed");
        try (NocStack s = NocStack.start(dir, 4, shop -> shop, NocEndToEndTest::shortened)) {
            assertThat(s.manager.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "60")).contains("shop: UP after");
            // Before: the watchdog alone.
            Map<String, String> before = await(s, a -> a.keySet().equals(java.util.Set.of("FederaWatchdog")), 60);
            assertThat(before).as("alerts before the host dies").containsOnlyKeys("FederaWatchdog");

            s.agents.get(3).process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            Map<String, String> after = await(s, a -> a.equals(expected), 150);
            assertThat(after).as("alerts in Alertmanager once host-4 died; Alertmanager's log:%n%s", s.alertmanagerLog())
                    .isEqualTo(expected);
            // Nothing else comes within a further 10 s, and each alert links its runbook.
            Thread.sleep(10_000);
            JsonNode alerts = alerts(s);
            assertThat(states(alerts)).isEqualTo(expected);
            for (JsonNode a : alerts) {
                String name = a.path("labels").path("alertname").asText();
                String link = a.path("annotations").path("runbook_url").asText();
                assertThat(link).as(name).isEqualTo("docs/noc.md#" + name.toLowerCase(java.util.Locale.ROOT));
                assertThat(noc).as("the runbook section of " + name).contains("\n### " + name + "\n");
                if (name.equals("FederaAgentPollsFailing") || name.equals("FederaHostUnreachable")) {
                    assertThat(a.path("labels").path("agent").asText()).as(name).isEqualTo("host-4");
                }
            }
        }
    }

    private Map<String, String> await(NocStack s, java.util.function.Predicate<Map<String, String>> done, int seconds)
            throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        Map<String, String> states = Map.of();
        while (System.nanoTime() < end) {
            states = states(alerts(s));
            if (done.test(states)) {
                return states;
            }
            Thread.sleep(1000);
        }
        return states;
    }

    /** Alertmanager's alerts (active, suppressed; not the resolved) as alert name → state. */
    private static Map<String, String> states(JsonNode alerts) {
        Map<String, String> states = new TreeMap<>();
        for (JsonNode a : alerts) {
            String name = a.path("labels").path("alertname").asText();
            states.merge(name, a.path("status").path("state").asText(), (x, y) -> x.equals(y) ? x : x + "," + y);
        }
        return states;
    }

    private JsonNode alerts(NocStack s) throws Exception {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.alertmanagerPort
                    + "/api/v2/alerts")).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createArrayNode();
        } catch (java.io.IOException starting) {
            return JSON.createArrayNode();
        }
    }
}
