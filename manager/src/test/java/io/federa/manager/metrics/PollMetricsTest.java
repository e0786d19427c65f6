package io.federa.manager.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Poll failures exist at 0 for every agent and kind from the start, and each reason folds into one kind. */
class PollMetricsTest {
    @Test
    void every_agent_has_every_kind_of_failure_at_zero_before_any_poll() throws Exception {
        PrometheusRegistry registry = new PrometheusRegistry();
        PollMetrics m = new PollMetrics(registry, List.of("host-1", "host-2"));
        String scraped = scrape(registry);
        for (String agent : List.of("host-1", "host-2")) {
            for (String kind : PollMetrics.KINDS) {
                assertThat(scraped).contains("federa_poll_failures_total{agent=\"" + agent + "\",reason=\"" + kind + "\"} 0.0");
            }
        }
        m.observe("host-1", "jolokia", 1_000_000, "timeout after 2000 ms");
        assertThat(scrape(registry)).contains("federa_poll_failures_total{agent=\"host-1\",reason=\"timeout\"} 1.0");
    }

    @Test
    void every_reason_folds_into_a_kind_of_the_list() {
        for (String reason : List.of("identity: x", "tls: y", "capacity: z", "timeout", "connection refused", "closed",
                "http 401", "http 500", "bad payload", "snmp report", "whatever")) {
            assertThat(PollMetrics.KINDS).contains(PollMetrics.kind(reason));
        }
    }

    private static String scrape(PrometheusRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toString(StandardCharsets.UTF_8);
    }
}
