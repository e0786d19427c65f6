package io.federa.manager.core.scaling;

import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.spec.CatalogYaml;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

/** The example's web policy: out above 0.75 held 30 s, in below 0.25 over a 5 min window, 2–6 instances, 60 s cooldown. */
class ScalingEvaluatorTest {
    private static final ApplicationSpec WEB = web();
    private static final long S = 1_000;

    private static ApplicationSpec web() {
        try {
            Path root = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize();
            Catalog c = CatalogYaml.parse(Files.readString(root.resolve("examples/shop.yaml"))).catalog().orElseThrow();
            return c.applications().get("web");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ScalingEvaluator.Result at(ScalingState s, double load, long t) {
        return ScalingEvaluator.evaluate("shop", WEB, s, OptionalDouble.of(load), t);
    }

    @Test
    void load_held_above_the_threshold_adds_one_instance_and_says_why() {
        ScalingState s = ScalingState.initial(2);
        ScalingEvaluator.Result r = at(s, 0.9, 0);
        assertThat(r.decision()).isEmpty();
        r = at(r.state(), 0.8, 29 * S);
        assertThat(r.decision()).isEmpty();
        r = at(r.state(), 0.85, 30 * S);
        assertThat(r.decision()).get().satisfies(d -> {
            assertThat(d.from()).isEqualTo(2);
            assertThat(d.to()).isEqualTo(3);
            assertThat(d.why()).isEqualTo("load 0.85 above 0.75 for 30.0 s (rule: above 0.75 for 30.0 s)");
        });
        assertThat(r.state().target()).isEqualTo(3);
    }

    @Test
    void a_dip_restarts_the_hold_and_the_cooldown_spaces_changes() {
        ScalingEvaluator.Result r = at(ScalingState.initial(2), 0.9, 0);
        r = at(r.state(), 0.5, 20 * S);
        r = at(r.state(), 0.9, 25 * S);
        assertThat(at(r.state(), 0.9, 50 * S).decision()).isEmpty();
        r = at(r.state(), 0.9, 55 * S);
        assertThat(r.decision()).isPresent();
        // Still hot: after a change the hold starts again, and the next step waits for the 60 s cooldown.
        r = at(r.state(), 0.9, 60 * S);
        r = at(r.state(), 0.9, 100 * S);
        assertThat(r.decision()).as("held 40 s, but 45 s since the last change").isEmpty();
        r = at(r.state(), 0.9, 115 * S);
        assertThat(r.decision()).get().satisfies(d -> assertThat(d.to()).isEqualTo(4));
    }

    @Test
    void scale_in_waits_for_the_window_and_never_goes_below_the_minimum() {
        ScalingState s = ScalingState.changed(3, 0);
        ScalingEvaluator.Result r = at(s, 0.1, 100 * S);
        r = at(r.state(), 0.1, 399 * S);
        assertThat(r.decision()).as("the 5 min window has not passed").isEmpty();
        r = at(r.state(), 0.1, 400 * S);
        assertThat(r.decision()).get().satisfies(d -> {
            assertThat(d.to()).isEqualTo(2);
            assertThat(d.why()).startsWith("load 0.10 below 0.25 for 300.0 s");
        });
        r = at(r.state(), 0.05, 2_000 * S);
        assertThat(at(r.state(), 0.05, 3_000 * S).decision()).as("2 is the minimum").isEmpty();
    }

    @Test
    void the_maximum_holds_and_no_running_instance_means_no_decision() {
        ScalingState full = ScalingState.changed(6, 0);
        ScalingEvaluator.Result r = at(full, 1.0, 100 * S);
        assertThat(at(r.state(), 1.0, 200 * S).decision()).isEmpty();
        assertThat(ScalingEvaluator.evaluate("shop", WEB, full, OptionalDouble.empty(), 300 * S).decision()).isEmpty();
    }

    @Test
    void an_alert_steps_once_per_cooldown_within_the_bounds() {
        ScalingEvaluator.Result r = ScalingEvaluator.alert("shop", WEB, ScalingState.initial(2), true, "FederaApplicationLoadHigh", 0);
        assertThat(r.decision()).get().satisfies(d -> {
            assertThat(d.to()).isEqualTo(3);
            assertThat(d.why()).isEqualTo("alert FederaApplicationLoadHigh asks to scale out");
        });
        assertThat(ScalingEvaluator.alert("shop", WEB, r.state(), true, "FederaApplicationLoadHigh", 10 * S).decision()).isEmpty();
        assertThat(ScalingEvaluator.alert("shop", WEB, ScalingState.changed(2, 0), false, "Low", 100 * S).decision())
                .as("not below the minimum").isEmpty();
    }

    @Test
    void a_new_application_starts_at_its_replicas_within_bounds_and_a_target_out_of_new_bounds_is_brought_back() {
        // web: replicas 2, min 2, max 6.
        assertThat(ScalingEvaluator.current(WEB, null).target()).isEqualTo(2);
        ScalingState nine = ScalingState.changed(9, 40 * S);
        ScalingState back = ScalingEvaluator.current(WEB, nine);
        assertThat(back.target()).isEqualTo(6);
        assertThat(back.lastChangeMillis()).as("the cooldown still counts from the last change").isEqualTo(40 * S);
        ScalingState three = ScalingState.changed(3, 40 * S);
        assertThat(ScalingEvaluator.current(WEB, three)).isSameAs(three);
    }

    @Test
    void the_load_a_rule_scales_on_is_the_mean_of_running_vms_on_hosts_that_answer() {
        var running = new io.federa.manager.core.inventory.VmStatus("web-1", "u1", "h1", "RUNNING", "web", "shop", 2, 1L << 30,
                1L << 30, 0, 0, 0.9, 60);
        var other = new io.federa.manager.core.inventory.VmStatus("web-2", "u2", "h1", "RUNNING", "web", "shop", 2, 1L << 30,
                1L << 30, 0, 0, 0.5, 60);
        var off = new io.federa.manager.core.inventory.VmStatus("web-3", "u3", "h1", "SHUT_OFF", "web", "shop", 2, 1L << 30,
                1L << 30, 0, 0, 0.0, 0);
        var lost = new io.federa.manager.core.inventory.VmStatus("web-4", "u4", "h2", "RUNNING", "web", "shop", 2, 1L << 30,
                1L << 30, 0, 0, 0.1, 60);
        var inv = io.federa.manager.core.inventory.InventorySnapshot.of(java.util.List.of("a1", "a2"), 0)
                .polled("a1", host("h1"), java.util.List.of(running, other, off), 1)
                .polled("a2", host("h2"), java.util.List.of(lost), 1);
        assertThat(ScalingEvaluator.cpuLoad(io.federa.manager.core.inventory.RunningInstances.of(inv), "web").getAsDouble()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        // h2's agent stops answering: its VM's load no longer counts.
        inv = inv.failed("a2", "timeout", 1, 2);
        assertThat(ScalingEvaluator.cpuLoad(io.federa.manager.core.inventory.RunningInstances.of(inv), "web").getAsDouble()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ScalingEvaluator.cpuLoad(io.federa.manager.core.inventory.RunningInstances.of(inv), "db")).isEmpty();
    }

    private static io.federa.manager.core.inventory.HostStatus host(String id) {
        return new io.federa.manager.core.inventory.HostStatus(id, "site-1", false, 3, java.util.List.of("kvm"), 16, 0,
                64L << 30, 0, 1L << 40, 0, 10_000_000_000L, 0, "EUR", 0.00001, 0.0001, 0.02, 0.0000001, "0.1.0", 1);
    }
    /** The example's web with its policy looking {@code ahead}. */
    private static ApplicationSpec webAhead(java.time.Duration ahead) {
        io.federa.manager.core.spec.ScalingPolicy p = WEB.scaling().orElseThrow();
        return new ApplicationSpec(WEB.name(), WEB.runtime(), WEB.resources(), WEB.replicas(), WEB.minAvailable(),
                WEB.dependsOn(), WEB.placement(), java.util.Optional.of(new io.federa.manager.core.spec.ScalingPolicy(p.metric(),
                p.scaleOutAbove(), p.scaleInBelow(), p.holdFor(), p.minInstances(), p.maxInstances(), p.cooldown(),
                p.scaleInWindow(), ahead)), WEB.data());
    }

    private static ScalingEvaluator.Result ahead(ApplicationSpec app, ScalingState s, double load, double expectedCpus, long t) {
        return ScalingEvaluator.evaluate("shop", app, s, OptionalDouble.of(load),
                java.util.Optional.of(new Expected(expectedCpus, 1_798_762_500_000L)), t);
    }

    @Test
    void a_forecast_above_what_the_instances_hold_adds_one_now_and_says_which_forecast() {
        ApplicationSpec app = webAhead(java.time.Duration.ofMinutes(15));
        int vcpus = app.resources().vcpus();
        // Two instances now at 0.3; the forecast expects 1.8 instances' worth of CPUs: 0.9 each on two.
        ScalingEvaluator.Result r = ahead(app, ScalingState.initial(2), 0.3, 1.8 * vcpus, 0);
        assertThat(r.decision()).get().satisfies(d -> {
            assertThat(d.to()).isEqualTo(3);
            assertThat(d.why()).startsWith("forecast: ").contains("expected by 2027-01-01T00:15:00Z (80 % upper bound)")
                    .contains("a load of 0.90 on 2 instances, above 0.75 (rule: ahead 15 min)");
        });
        // Three hold it at 0.6: nothing more, and the cooldown would hold anyway.
        r = ahead(app, r.state(), 0.3, 1.8 * vcpus, 90 * S);
        assertThat(r.decision()).isEmpty();
        // The load now falls below scaleInBelow, past the scale-in window: the instance stays while the
        // forecast expects more than two would hold (0.9 each), and goes once it no longer does.
        long t = 200 * S;
        for (; t <= 600 * S; t += 10 * S) {
            r = ahead(app, r.state(), 0.1, 1.8 * vcpus, t);
            assertThat(r.decision()).as("at %d s", t / S).isEmpty();
        }
        r = ahead(app, r.state(), 0.1, 0.2 * vcpus, t);
        assertThat(r.decision()).get().satisfies(d -> assertThat(d.to()).isEqualTo(2));
    }

    @Test
    void a_forecast_is_ignored_without_ahead_in_the_policy_and_bounded_like_the_rules() {
        // The example's policy has no ahead: the same forecast changes nothing.
        ScalingEvaluator.Result r = ScalingEvaluator.evaluate("shop", WEB, ScalingState.initial(2), OptionalDouble.of(0.3),
                java.util.Optional.of(new Expected(100, 0)), 0);
        assertThat(r.decision()).isEmpty();
        ApplicationSpec app = webAhead(java.time.Duration.ofMinutes(15));
        int max = app.scaling().orElseThrow().maxInstances();
        assertThat(ahead(app, ScalingState.initial(max), 0.3, 100, 0).decision()).as("at max").isEmpty();
        assertThat(ahead(app, ScalingState.changed(2, 0), 0.3, 100, 10 * S).decision()).as("in the cooldown").isEmpty();
        // No instance runs yet (no load): the forecast still adds one.
        assertThat(ScalingEvaluator.evaluate("shop", app, ScalingState.initial(2), OptionalDouble.empty(),
                java.util.Optional.of(new Expected(100, 0)), 0).decision()).isPresent();
    }
}
