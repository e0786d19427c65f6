package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Vertx;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Jolokia probes against a real Jolokia agent (the JVM agent, on 127.0.0.1) serving an
 * application's health MBean, as an application's JVM inside a guest would.
 */
class JolokiaProbesTest {
    /** An application's health, as it publishes it over JMX. */
    public interface HealthMBean {
        boolean isHealthy();

        double getLoad();

        String getName();
    }

    public static final class Health implements HealthMBean {
        volatile boolean healthy = true;
        volatile double load = 0.37;

        @Override
        public boolean isHealthy() {
            return healthy;
        }

        @Override
        public double getLoad() {
            return load;
        }

        @Override
        public String getName() {
            return "api";
        }
    }

    private static final String MBEAN = "federa.test:type=Health,name=api";
    private static final Health HEALTH = new Health();
    private static Vertx vertx;
    private static JolokiaServer jolokia;
    private static GuestProbes probes;

    @BeforeAll
    static void serve() throws Exception {
        ManagementFactory.getPlatformMBeanServer().registerMBean(HEALTH, new ObjectName(MBEAN));
        jolokia = new JolokiaServer(new JolokiaServerConfig(Map.of("host", "127.0.0.1", "port", "0",
                "discoveryEnabled", "false")));
        jolokia.start();
        vertx = Vertx.vertx();
        probes = new GuestProbes(vertx, 8);
    }

    @AfterAll
    static void stop() throws Exception {
        jolokia.stop();
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(new ObjectName(MBEAN));
        vertx.close().await(10, TimeUnit.SECONDS);
    }

    private static ProbeSpec spec(String mbean, String attribute, Optional<String> load) {
        return new ProbeSpec(new ProbeSpec.Jolokia(8778, "/jolokia/", mbean, attribute), Duration.ofSeconds(5),
                Duration.ofMillis(1_500), 3, Duration.ofSeconds(60), load);
    }

    private static ProbeResult probe(ProbeSpec spec) throws Exception {
        io.vertx.core.Promise<ProbeResult> p = io.vertx.core.Promise.promise();
        String address = "127.0.0.1:" + jolokia.getAddress().getPort();
        vertx.runOnContext(x -> probes.probe(address, spec, System.currentTimeMillis()).onComplete(p));
        return p.future().await(10, TimeUnit.SECONDS);
    }

    @Test
    void aHealthyAttributePassesWithTheLoadReadInTheSameRead() throws Exception {
        HEALTH.healthy = true;
        HEALTH.load = 0.37;
        ProbeResult r = probe(spec(MBEAN, "Healthy", Optional.of("Load")));
        assertThat(r.passed()).as(r.detail()).isTrue();
        assertThat(r.load().getAsDouble()).isEqualTo(0.37);
        // Without a load attribute, and on an attribute that is not a boolean: it passes, no load.
        assertThat(probe(spec(MBEAN, "Healthy", Optional.empty())).load()).isEmpty();
        assertThat(probe(spec(MBEAN, "Name", Optional.empty())).passed()).isTrue();
        // A load outside 0–1 is not a load.
        HEALTH.load = 3.0;
        ProbeResult over = probe(spec(MBEAN, "Healthy", Optional.of("Load")));
        assertThat(over.passed()).isTrue();
        assertThat(over.load()).isEmpty();
    }

    @Test
    void anAttributeThatSaysFalseFails() throws Exception {
        HEALTH.healthy = false;
        try {
            ProbeResult r = probe(spec(MBEAN, "Healthy", Optional.of("Load")));
            assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
            assertThat(r.detail()).isEqualTo("Healthy is false");
        } finally {
            HEALTH.healthy = true;
        }
    }

    @Test
    void whatJolokiaCannotReadFailsWithJolokiasStatusAndError() throws Exception {
        ProbeResult noMBean = probe(spec("federa.test:type=Health,name=gone", "Healthy", Optional.empty()));
        assertThat(noMBean.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(noMBean.detail()).startsWith("Jolokia 404: ").contains("InstanceNotFoundException")
                .contains("federa.test:type=Health,name=gone");
        ProbeResult noAttribute = probe(spec(MBEAN, "Missing", Optional.empty()));
        assertThat(noAttribute.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(noAttribute.detail()).startsWith("Jolokia 404: ").contains("Missing");
    }

    @Test
    void anAgentPathThatIsNotJolokiasFailsWithTheHttpStatus() throws Exception {
        ProbeSpec wrong = new ProbeSpec(new ProbeSpec.Jolokia(8778, "/not-jolokia/", MBEAN, "Healthy"), Duration.ofSeconds(5),
                Duration.ofMillis(1_500), 3, Duration.ofSeconds(60), Optional.empty());
        ProbeResult r = probe(wrong);
        assertThat(r.outcome()).isEqualTo(ProbeResult.Outcome.FAILED);
        assertThat(r.detail()).startsWith("HTTP 404");
    }
}
