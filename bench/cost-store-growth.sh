#!/usr/bin/env bash
# Benchmark: how much the cost store grows (CostStoreGrowthBenchmark in the manager's test
# sources): MINUTES minutes (default 60) of HOSTS hosts (default 1,000) with APPS applications each
# (default 10) written as the cost verticle writes them into an embedded database file, and the
# hours summed; prints the bytes a line and the growth projected for 10,000 VMs a day.
#   bench/cost-store-growth.sh [HOSTS] [APPS] [MINUTES]
exec "$(dirname "$0")/run-manager-main.sh" io.federa.manager.store.CostStoreGrowthBenchmark "$@"
