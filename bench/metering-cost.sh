#!/usr/bin/env bash
# Benchmark: what metering costs the manager per poll (MeteringCostBenchmark in the manager's test
# sources): HOSTS hosts (default 1,000) of VMS_PER_HOST VMs (default 10) through the meter, the
# minute ledger and the spending, as the cost verticle does each interval; SAMPLES warm samples
# (default 30), their median and spread, and the share of a core at one sample a second.
#   bench/metering-cost.sh [HOSTS] [VMS_PER_HOST] [SAMPLES]
exec "$(dirname "$0")/run-manager-main.sh" io.federa.manager.core.cost.MeteringCostBenchmark "$@"
