#!/usr/bin/env bash
# Benchmark: scaling ahead of a forecast against the rule alone, on replayed daily peaks
# (ScalingAheadReplay in the manager's test sources: the forecast and the evaluator chained as the
# manager chains them, minute by minute). SEEDS generated traces (default 10) of DAYS days each
# (default 10; the first 3 only fill the history). Prints, per seed and in all, the share of peaks
# with an extra instance RUNNING when the load crossed the threshold, the mean lead, and the
# instances added ahead that the load never needed.
#   bench/scaling-ahead.sh [SEEDS] [DAYS] [AHEAD_MINUTES]   (AHEAD_MINUTES default 15)
exec "$(dirname "$0")/run-manager-main.sh" io.federa.manager.core.scaling.ScalingAheadReplay "$@"
