package io.federa.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scaling driven by the NOC's own alerting: a real Prometheus scrapes the real manager and
 * agents with the rules of alert-rules/ (their holds shortened), a real Alertmanager routes the
 * load alerts to the manager's webhook with the configuration of examples/noc/. Load on the web
 * front end past its threshold → FederaApplicationLoadHigh fires → Alertmanager posts → the
 * manager places a third web instance by the rules, once however often the alert is re-sent; the
 * load falls → FederaApplicationLoadLow → the newest instance goes, not below the minimum.
 */
class AlertScalingEndToEndTest {
    private static String webHost(JsonNode status, String vm) {
        for (JsonNode i : status.path("instances")) {
            if (i.path("name").asText().equals(vm)) {
                return i.path("host").asText();
            }
        }
        return "";
    }

    @Test
    void an_alert_routed_by_alertmanager_scales_the_web_front_end_out_once_and_back_in(@TempDir Path dir) throws Exception {
        // The example with a cooldown short enough for the test; its own hold (30 s) and scale-in
        // window (5 min) keep the manager's rule out of the way: here the alerts scale. The
        // alerts' holds are cut to 2 s.
        try (NocStack noc = NocStack.start(dir, 5, shop -> NocStack.replace(shop, "cooldown: 60s", "cooldown: 3s"),
                rules -> NocStack.replace(NocStack.replace(rules, "for: 30s", "for: 2s"), "for: 5m", "for: 2s"))) {
            ManagerProcess m = noc.manager;
            Map<String, Integer> ports = noc.ports;
            assertThat(m.federa(ManagerProcess.OPERATOR, "start", "shop", "--timeout", "60")).contains("shop: UP after");

            // The web front end runs hot.
            JsonNode status = m.get("services/shop");
            for (String vm : List.of("web-1", "web-2")) {
                String host = webHost(status, vm);
                AgentProcess.simulateLoad(ports.get(host), NocStack.password(host), vm, 0.9);
            }
            JsonNode grown = m.await("services/shop", n -> !webHost(n, "web-3").isEmpty() && n.path("converged").asBoolean()
                    && "UP".equals(n.path("state").asText()), 60_000);
            assertThat(webHost(grown, "web-3")).as("%s%nAlertmanager log:%n%s", m.get("events?since=1h"), noc.alertmanagerLog()).isNotEmpty();
            // Placed by the rules: not beside another web instance, nor beside payment (which avoids web).
            assertThat(webHost(grown, "web-3")).isNotIn(webHost(grown, "web-1"), webHost(grown, "web-2"), webHost(grown, "payment-1"));
            assertThat(m.get("vms").toString()).contains("\"name\":\"web-3\"");

            // The load falls: the low-load alert takes the newest instance away, and no further.
            for (String vm : List.of("web-1", "web-2", "web-3")) {
                String host = webHost(grown, vm);
                AgentProcess.simulateLoad(ports.get(host), NocStack.password(host), vm, 0.05);
            }
            JsonNode shrunk = m.await("services/shop", n -> webHost(n, "web-3").isEmpty() && n.path("converged").asBoolean(), 60_000);
            assertThat(webHost(shrunk, "web-3")).as("%s", m.get("events?since=1h")).isEmpty();
            Thread.sleep(5_000);
            JsonNode after = m.get("services/shop");
            assertThat(after.path("scaling").path("web").asInt()).as("not below the minimum").isEqualTo(2);

            String events = m.get("events?kind=scaling.&since=1h&limit=1000").toString();
            assertThat(events).contains("shop: web 2 → 3 instances: alert FederaApplicationLoadHigh asks to scale out")
                    .contains("shop: web 3 → 2 instances: alert FederaApplicationLoadLow asks to scale in");
            // However often Alertmanager re-sent the firing alert, it scaled out once.
            assertThat(events.split("asks to scale out\"", -1).length - 1).isEqualTo(1);
        }
    }
}
