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
}
