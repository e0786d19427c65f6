#!/usr/bin/env bash
# Benchmark: what one pass of the hourly capacity forecast costs the manager (Outlook.of, as the
# forecast verticle runs it on a worker): HOSTS hosts (default 1,000) in 10 sites, 8 weeks of hours
# each, three resources, plus the sites; RUNS passes (default 5), each with its wall time, CPU time
# and heap allocated, on one thread (OutlookCostBenchmark in the manager's test sources).
#   bench/forecast-cost.sh [HOSTS] [RUNS]
exec "$(dirname "$0")/run-manager-main.sh" io.federa.manager.core.forecast.OutlookCostBenchmark "$@"
