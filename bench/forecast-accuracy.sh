#!/usr/bin/env bash
# Benchmark: the forecaster's accuracy (io.federa.manager.core.forecast, double-seasonal
# Holt-Winters) against seasonal naive and Prometheus's predict_linear over 1 h and 6 h, replayed on
# generated traces (ForecastAccuracyBenchmark in the manager's test sources, beside the traces and
# baselines its tests use): a CPU series with daily and weekly peaks, a steadily growing storage
# series, a noisy network series; SEEDS seeds each (default 5), ORIGINS origins a seed (default 72,
# one every 2 h 5 min through a fifth week, each fitted on the four weeks before it). Prints per
# horizon (15 min, 1 h, 24 h) the MAPE of each method from the same origins, the noise floor, and
# the 80 % and 95 % interval coverage, each as the mean over seeds and its range; and the time one
# fit and one day's forecast take. Single-threaded; a few tens of seconds.
#   bench/forecast-accuracy.sh [SEEDS] [ORIGINS]
exec "$(dirname "$0")/run-manager-main.sh" io.federa.manager.core.forecast.ForecastAccuracyBenchmark "$@"
