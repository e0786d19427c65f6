package io.federa.manager.core.probe;

import io.federa.manager.core.spec.ProbeSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

import static io.federa.manager.core.probe.ProbeBook.State.FAILING;
import static io.federa.manager.core.probe.ProbeBook.State.SERVING;
import static io.federa.manager.core.probe.ProbeBook.State.STARTING;
import static org.assertj.core.api.Assertions.assertThat;

/** What an instance's probes make of it: serving, starting, failing, and when its VM is due a restart. */
class ProbeBookTest {
    /** Every 5 s, restart after 3 failures, 60 s of start grace. */
    private static final ProbeSpec SPEC = new ProbeSpec(80, "/health", Duration.ofSeconds(5), Duration.ofSeconds(2), 3,
            Duration.ofSeconds(60), Optional.of("load"));
    private static final long START = 1_000_000;

    private static ProbeBook fail(ProbeBook b, long started, long at) {
        return b.recorded("web", "web-1", "host-1", started, SPEC, ProbeResult.failed("HTTP 503 Service Unavailable", at));
    }

    private static ProbeBook pass(ProbeBook b, long started, long at, double load) {
        return b.recorded("web", "web-1", "host-1", started, SPEC, ProbeResult.passed(OptionalDouble.of(load), at));
    }

    private static ProbeBook.Instance web1(ProbeBook b) {
        return b.instance("web", "web-1").orElseThrow();
    }

    @Test
    void aGuestThatHasNotAnsweredWithinItsStartGraceIsStartingAndIsNotRestarted() {
        ProbeBook b = ProbeBook.EMPTY;
        for (int i = 1; i <= 5; i++) {
            b = fail(b, START, START + i * 5_000L);
        }
        assertThat(web1(b).state()).isEqualTo(STARTING);
        assertThat(web1(b).serving()).isFalse();
        assertThat(web1(b).reason()).isEqualTo("starting: GET :80/health not answering yet (VM up 25 s of a 60 s start grace): HTTP 503 Service Unavailable");
        assertThat(b.restartsDue()).isEmpty();
    }

    @Test
    void oneThatNeverAnsweredIsRestartedOnceItsGraceIsOver() {
        ProbeBook b = ProbeBook.EMPTY;
        for (long at = START + 5_000; at <= START + 75_000; at += 5_000) {
            b = fail(b, START, at);
        }
        assertThat(web1(b).state()).isEqualTo(FAILING);
        assertThat(b.restartsDue()).containsOnlyKeys("web-1");
        assertThat(b.restartsDue().get("web-1").vmStartedMillis()).isEqualTo(START);
    }

    @Test
    void aServingInstanceFailsAtOnceAndIsDueARestartAfterThreeFailuresInARow() {
        ProbeBook b = pass(ProbeBook.EMPTY, START, START + 70_000, 0.3);
        assertThat(web1(b).state()).isEqualTo(SERVING);
        assertThat(web1(b).reason()).isEmpty();
        b = fail(b, START, START + 75_000);
        assertThat(web1(b).state()).isEqualTo(FAILING);
        assertThat(web1(b).reason()).isEqualTo("GET :80/health failing: HTTP 503 Service Unavailable (1 time)");
        b = fail(b, START, START + 80_000);
        assertThat(b.restartsDue()).isEmpty();
        b = fail(b, START, START + 85_000);
        assertThat(web1(b).reason()).isEqualTo("GET :80/health failing: HTTP 503 Service Unavailable (3 times in a row)");
        assertThat(b.restartsDue()).containsOnlyKeys("web-1");
    }

    @Test
    void aPassBetweenFailuresStartsTheCountAgain() {
        ProbeBook b = pass(ProbeBook.EMPTY, START, START + 70_000, 0.3);
        b = fail(b, START, START + 75_000);
        b = fail(b, START, START + 80_000);
        b = pass(b, START, START + 85_000, 0.3);
        b = fail(b, START, START + 90_000);
        b = fail(b, START, START + 95_000);
        assertThat(web1(b).failures()).isEqualTo(2);
        assertThat(b.restartsDue()).isEmpty();
    }

    @Test
    void restartsAreSeenByTheVmsStartTimeAndBackOffThenAreForgottenAfterTenMinutesServing() {
        ProbeBook b = pass(ProbeBook.EMPTY, START, START + 70_000, 0.3);
        for (long at = START + 75_000; at <= START + 85_000; at += 5_000) {
            b = fail(b, START, at);
        }
        assertThat(b.restartsDue()).containsKey("web-1");
        // Restarted at +90 s: a new run, counted; it fails again past its grace.
        long second = START + 90_000;
        b = fail(b, second, second + 5_000);
        assertThat(web1(b).restarts()).isEqualTo(1);
        assertThat(web1(b).failures()).isEqualTo(1);
        assertThat(web1(b).state()).isEqualTo(STARTING);
        for (long at = second + 10_000; at <= second + 65_000; at += 5_000) {
            b = fail(b, second, at);
        }
        // Past its grace and 30 s after the first restart: due again.
        assertThat(b.restartsDue()).containsKey("web-1");
        long third = second + 70_000;
        for (long at = third + 5_000; at <= third + 100_000; at += 5_000) {
            b = fail(b, third, at);
        }
        // Two restarts: 60 s of back-off, long over after 100 s.
        assertThat(web1(b).restarts()).isEqualTo(2);
        assertThat(b.restartsDue()).containsKey("web-1");
        b = pass(b, third, third + 105_000, 0.1);
        assertThat(web1(b).restarts()).isEqualTo(2);
        b = pass(b, third, third + 600_000, 0.1);
        assertThat(web1(b).restarts()).isZero();
    }

    @Test
    void theBackOffHoldsARestartAndSaysUntilWhen() {
        assertThat(ProbeBook.backoffMillis(0)).isZero();
        assertThat(ProbeBook.backoffMillis(1)).isEqualTo(30_000);
        assertThat(ProbeBook.backoffMillis(2)).isEqualTo(60_000);
        assertThat(ProbeBook.backoffMillis(5)).isEqualTo(480_000);
        assertThat(ProbeBook.backoffMillis(6)).isEqualTo(600_000);
        assertThat(ProbeBook.backoffMillis(1000)).isEqualTo(600_000);
        // A VM restarted four times (back-off 240 s), whose grace is short, fails again soon.
        ProbeSpec quick = new ProbeSpec(80, "/health", Duration.ofSeconds(5), Duration.ofSeconds(2), 1, Duration.ZERO, Optional.empty());
        ProbeBook b = ProbeBook.EMPTY;
        long started = START;
        for (int k = 0; k < 4; k++) {
            b = b.recorded("web", "web-1", "host-1", started, quick, ProbeResult.passed(OptionalDouble.empty(), started + 1_000));
            b = b.recorded("web", "web-1", "host-1", started, quick, ProbeResult.failed("HTTP 500", started + 2_000));
            started += 10_000;
        }
        b = b.recorded("web", "web-1", "host-1", started, quick, ProbeResult.failed("connection refused", started + 5_000));
        assertThat(web1(b).restarts()).isEqualTo(4);
        assertThat(b.restartsDue()).isEmpty();
        assertThat(web1(b).reason()).startsWith("GET :80/health failing: connection refused (1 time); restarted 4 times, next restart not before ");
    }

    @Test
    void aHostThatReportsNoAddressFailsTheInstanceButNeverRestartsIt() {
        ProbeBook b = ProbeBook.EMPTY;
        for (long at = START + 100_000; at <= START + 200_000; at += 5_000) {
            b = b.recorded("web", "web-1", "host-1", START, SPEC, ProbeResult.noAddress("its host host-1 reports no address", at));
        }
        assertThat(web1(b).state()).isEqualTo(FAILING);
        assertThat(web1(b).reason()).isEqualTo("its host host-1 reports no address");
        assertThat(b.restartsDue()).isEmpty();
    }

    @Test
    void theApplicationsLoadIsTheMeanOfItsServingInstances() {
        ProbeBook b = pass(ProbeBook.EMPTY, START, START + 70_000, 0.9);
        b = b.recorded("web", "web-2", "host-2", START, SPEC, ProbeResult.passed(OptionalDouble.of(0.5), START + 70_000));
        b = b.recorded("web", "web-3", "host-2", START, SPEC, ProbeResult.failed("HTTP 500", START + 70_000));
        b = b.recorded("db", "db-1", "host-2", START, SPEC, ProbeResult.passed(OptionalDouble.of(0.1), START + 70_000));
        assertThat(b.load("web").getAsDouble()).isEqualTo(0.7);
        assertThat(b.load("payment")).isEmpty();
    }

    @Test
    void anInstanceOnAnotherHostIsANewOneAndGoneInstancesAreDropped() {
        ProbeBook b = pass(ProbeBook.EMPTY, START, START + 70_000, 0.3);
        b = fail(b, START, START + 75_000);
        b = b.recorded("web", "web-1", "host-2", START + 80_000, SPEC, ProbeResult.failed("connection refused", START + 85_000));
        assertThat(web1(b).host()).isEqualTo("host-2");
        assertThat(web1(b).state()).isEqualTo(STARTING);
        assertThat(b.retained(Set.of(ProbeBook.key("web", "web-1")))).isSameAs(b);
        assertThat(b.retained(Set.of()).instances()).isEmpty();
    }

    @Test
    void theSameRunAllowsForPollJitterOnly() {
        assertThat(ProbeBook.sameRun(START, START + 2_999)).isTrue();
        assertThat(ProbeBook.sameRun(START, START - 3_000)).isTrue();
        assertThat(ProbeBook.sameRun(START, START + 3_001)).isFalse();
    }

    @Test
    void theBuilderKeepsTheSameBookOneResultAtATimeAndPublishesOnlyWhatChanged() {
        ProbeBook.Builder b = new ProbeBook.Builder();
        ProbeBook chained = ProbeBook.EMPTY;
        for (long at = START + 5_000; at <= START + 75_000; at += 5_000) {
            ProbeResult r = at % 10_000 == 0 ? ProbeResult.failed("HTTP 500", at) : ProbeResult.passed(OptionalDouble.of(0.2), at);
            b.record("web", "web-1", "host-1", START, SPEC, r);
            chained = chained.recorded("web", "web-1", "host-1", START, SPEC, r);
        }
        ProbeBook built = b.build();
        assertThat(built.instances()).isEqualTo(chained.instances());
        assertThat(b.build()).as("nothing changed since").isSameAs(built);
        b.retain(Set.of());
        assertThat(b.build().instances()).isEmpty();
        assertThat(built.instances()).as("a published book does not change").hasSize(1);
    }
}
