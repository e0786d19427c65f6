package io.federa.manager.core.forecast;

import io.federa.manager.core.forecast.Traces.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forecaster against seasonal naive and predict_linear (1 h and 6 h windows) on generated
 * traces, three seeds each, from the same 24 origins a seed: four weeks of history before the
 * first, one every 6 h 15 min after (so origins fall at every time of day). The bounds sit between
 * the figures measured (docs/benchmarks.md) and the baselines'.
 */
class ForecastAccuracyTest {
    private static final int FIRST = 4 * Traces.PER_WEEK;
    private static final int ORIGINS = 24;
    private static final int STRIDE = 75;
    private static final int STEPS = FIRST + (ORIGINS - 1) * STRIDE + Traces.PER_DAY + 1;
    private static final int QUARTER_HOUR = 3;
    private static final int DAY = Traces.PER_DAY;
    private static final long[] SEEDS = {1, 2, 3};

    /** Per shape: the MAPE bound at 15 min and 24 h, and the share of the best baseline's it must stay under. */
    static Stream<Arguments> bounds() {
        return Stream.of(
                // Measured 3.2 % and 2.8 %; seasonal naive 4.5 % and 4.2 %, predict_linear 1 h 3.9 % at 15 min.
                Arguments.of(Shape.CPU, 4.0, 0.9, 4.0, 0.8),
                // Measured 0.07 % at both; predict_linear 1 h 0.14 % at 15 min, 6 h 1.2 % at 24 h.
                Arguments.of(Shape.STORAGE, 0.15, 0.7, 0.15, 0.2),
                // Noise σ 8 on some 60: the floor alone is 13.5 %, so the 10 % is out of reach.
                // Measured 13.5 % and 15.3 %; predict_linear 6 h 16.1 % at 15 min, seasonal naive 20.2 % at 24 h.
                Arguments.of(Shape.NETWORK, 15.0, 0.9, 17.0, 0.85));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void the_forecaster_beats_both_baselines_at_15_minutes_and_24_hours(Shape shape, double max15, double share15,
                                                                        double max24, double share24) {
        List<Accuracy.Scores> runs = replay(shape);

        double forecaster15 = mean(runs, s -> s.forecaster()[0]);
        double forecaster24 = mean(runs, s -> s.forecaster()[1]);
        double bestBaseline15 = Math.min(mean(runs, s -> s.seasonalNaive()[0]),
                Math.min(mean(runs, s -> s.linear1h()[0]), mean(runs, s -> s.linear6h()[0])));
        double bestBaseline24 = Math.min(mean(runs, s -> s.seasonalNaive()[1]),
                Math.min(mean(runs, s -> s.linear1h()[1]), mean(runs, s -> s.linear6h()[1])));
        assertThat(forecaster15).as("MAPE at 15 min, %%").isLessThan(max15).isLessThan(share15 * bestBaseline15);
        assertThat(forecaster24).as("MAPE at 24 h, %%").isLessThan(max24).isLessThan(share24 * bestBaseline24);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bounds")
    void the_intervals_hold_about_their_share_of_what_followed(Shape shape) {
        List<Accuracy.Scores> runs = replay(shape);

        // Pooled over every step from 5 minutes to 24 hours: 24 × 288 × 3 forecasts. Measured 78–79 %
        // and 94–95 %: the errors the intervals come from are in-sample, a little optimistic.
        assertThat(mean(runs, Accuracy.Scores::pooled80)).as("80 %% interval coverage").isBetween(70.0, 90.0);
        assertThat(mean(runs, Accuracy.Scores::pooled95)).as("95 %% interval coverage").isBetween(90.0, 99.0);
    }

    /** Each shape's runs, replayed once for both tests. */
    private static final Map<Shape, List<Accuracy.Scores>> RUNS = new ConcurrentHashMap<>();

    private static List<Accuracy.Scores> replay(Shape shape) {
        return RUNS.computeIfAbsent(shape, ForecastAccuracyTest::replayed);
    }

    private static List<Accuracy.Scores> replayed(Shape shape) {
        List<Accuracy.Scores> runs = new ArrayList<>();
        for (long seed : SEEDS) {
            runs.add(Accuracy.replay(Traces.generate(shape, seed, STEPS), Traces.mean(shape, STEPS),
                    FIRST, ORIGINS, STRIDE, QUARTER_HOUR, DAY));
        }
        return runs;
    }

    private static double mean(List<Accuracy.Scores> runs, Function<Accuracy.Scores, Double> value) {
        return runs.stream().mapToDouble(value::apply).average().orElseThrow();
    }
}
