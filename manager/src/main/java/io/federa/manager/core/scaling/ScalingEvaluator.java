package io.federa.manager.core.scaling;

import io.federa.manager.core.inventory.RunningInstances;
import io.federa.manager.core.inventory.VmStatus;
import io.federa.manager.core.spec.ApplicationSpec;
import io.federa.manager.core.spec.ScalingPolicy;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Decides whether an application gets one instance more or one fewer, from its scaling policy:
 * one more when its load has stayed above {@code scaleOutAbove} for {@code holdFor}; one fewer when
 * it has stayed below {@code scaleInBelow} for the longer of {@code holdFor} and the scale-in
 * window (so a short lull does not take an instance away and bring it back); never outside
 * {@code min}–{@code max}, never twice within the cooldown. An alert from Alertmanager is a request
 * for the same step that skips the hold (Prometheus has already held it), under the same bounds
 * and cooldown. Pure: the caller gives the load and the time.
 */
public final class ScalingEvaluator {
    /** The outcome of one evaluation: the next state, and the decision if the target changed. */
    public record Result(ScalingState state, Optional<ScalingDecision> decision) {
    }

    private ScalingEvaluator() {
    }

    /**
     * The state an application's scaling goes on from: a new one starts at its replicas, within its
     * policy's bounds; a known one whose target the definitions have since put out of bounds is
     * brought back within them (its last change kept, so the cooldown still holds).
     *
     * @param known the state so far, or null for an application not scaled yet
     */
    public static ScalingState current(ApplicationSpec app, ScalingState known) {
        ScalingPolicy p = app.scaling().orElseThrow(() -> new IllegalArgumentException(app.name() + " has no scaling policy"));
        if (known == null) {
            return ScalingState.initial(within(p, app.replicas()));
        }
        int target = within(p, known.target());
        return target == known.target() ? known : ScalingState.changed(target, known.lastChangeMillis());
    }

    private static int within(ScalingPolicy p, int instances) {
        return Math.max(p.minInstances(), Math.min(p.maxInstances(), instances));
    }

    /**
     * The load a rule scales on: the mean CPU load (0–1) of the application's running instances
     * ({@link RunningInstances}); empty when none runs.
     */
    public static OptionalDouble cpuLoad(RunningInstances running, String application) {
        return running.of(application).stream().mapToDouble(VmStatus::cpuLoadRatio).average();
    }

    /** @param load the mean load (0–1) of the application's running instances; empty when none runs */
    public static Result evaluate(String service, ApplicationSpec app, ScalingState s, OptionalDouble load, long now) {
        return evaluate(service, app, s, load, Optional.empty(), now);
    }

    /**
     * The same, and ahead of the load: with a policy's {@code ahead}, when the forecast expects
     * more CPUs busy within it than the wanted instances hold under {@code scaleOutAbove}, one
     * more instance now (bounds and cooldown as ever; no hold: the forecast looks ahead already).
     * Instances are removed only by the scale-in rule, and not while the forecast expects more
     * than one instance fewer would hold.
     *
     * @param expected the forecast's peak within the policy's {@code ahead}; empty without a forecast
     */
    public static Result evaluate(String service, ApplicationSpec app, ScalingState s, OptionalDouble load,
                                  Optional<Expected> expected, long now) {
        ScalingPolicy p = app.scaling().orElseThrow(() -> new IllegalArgumentException(app.name() + " has no scaling policy"));
        Optional<Expected> ahead = p.scalesAhead() ? expected : Optional.empty();
        int vcpus = app.resources().vcpus();
        boolean cooledNow = now - s.lastChangeMillis() >= p.cooldown().toMillis();
        if (ahead.isPresent() && cooledNow && s.target() < p.maxInstances()
                && ahead.get().loadOn(s.target(), vcpus) > p.scaleOutAbove()) {
            Expected e = ahead.get();
            return changed(service, app, s, s.target() + 1, now, String.format(Locale.ROOT,
                    "forecast: %.2f CPUs busy expected by %s (80 %% upper bound), a load of %.2f on %d instances, above %s "
                            + "(rule: ahead %d min)", e.cpus(), java.time.Instant.ofEpochMilli(e.atMillis()),
                    e.loadOn(s.target(), vcpus), s.target(), p.scaleOutAbove(), p.ahead().toMinutes()));
        }
        boolean keepForForecast = ahead.isPresent() && ahead.get().loadOn(s.target() - 1, vcpus) > p.scaleOutAbove();
        if (load.isEmpty()) {
            return new Result(new ScalingState(s.target(), s.lastChangeMillis(), ScalingState.NOT_PAST, ScalingState.NOT_PAST),
                    Optional.empty());
        }
        double l = load.getAsDouble();
        long none = ScalingState.NOT_PAST;
        long above = l > p.scaleOutAbove() ? (s.aboveSinceMillis() == none ? now : s.aboveSinceMillis()) : none;
        long below = l < p.scaleInBelow() ? (s.belowSinceMillis() == none ? now : s.belowSinceMillis()) : none;
        boolean cooled = now - s.lastChangeMillis() >= p.cooldown().toMillis();
        String figures = String.format(Locale.ROOT, "load %.2f", l);
        if (above != none && now - above >= p.holdFor().toMillis() && cooled && s.target() < p.maxInstances()) {
            return changed(service, app, s, s.target() + 1, now, figures + " above " + p.scaleOutAbove() + " for "
                    + seconds(now - above) + " (rule: above " + p.scaleOutAbove() + " for " + seconds(p.holdFor().toMillis()) + ")");
        }
        long inHold = Math.max(p.holdFor().toMillis(), p.scaleInWindow().toMillis());
        if (below != none && now - below >= inHold && cooled && s.target() > p.minInstances() && !keepForForecast) {
            return changed(service, app, s, s.target() - 1, now, figures + " below " + p.scaleInBelow() + " for "
                    + seconds(now - below) + " (rule: below " + p.scaleInBelow() + " for " + seconds(inHold) + ")");
        }
        return new Result(new ScalingState(s.target(), s.lastChangeMillis(), above, below), Optional.empty());
    }

    /** An alert asking for one instance more ({@code out}) or fewer. */
    public static Result alert(String service, ApplicationSpec app, ScalingState s, boolean out, String alertName, long now) {
        ScalingPolicy p = app.scaling().orElseThrow(() -> new IllegalArgumentException(app.name() + " has no scaling policy"));
        String asked = "alert " + alertName + " asks to scale " + (out ? "out" : "in");
        if (now - s.lastChangeMillis() < p.cooldown().toMillis()) {
            return new Result(s, Optional.empty());
        }
        if (out && s.target() < p.maxInstances()) {
            return changed(service, app, s, s.target() + 1, now, asked);
        }
        if (!out && s.target() > p.minInstances()) {
            return changed(service, app, s, s.target() - 1, now, asked);
        }
        return new Result(s, Optional.empty());
    }

    private static Result changed(String service, ApplicationSpec app, ScalingState s, int to, long now, String why) {
        return new Result(ScalingState.changed(to, now),
                Optional.of(new ScalingDecision(service, app.name(), s.target(), to, now, why)));
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
}
