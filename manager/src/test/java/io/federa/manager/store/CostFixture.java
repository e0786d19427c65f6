package io.federa.manager.store;

import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Usage;

import java.nio.file.Path;
import java.util.List;

/**
 * One metered minute of the demo's shop, an hour ago, written to a store file before a manager
 * opens it: what the cost reports of the API and of federa cost are tested on (catalog-db,
 * shared by shop and backoffice, and web on host-1; reports on host-2; each host's idle, host-2
 * with 5 s of gap).
 */
public final class CostFixture {
    private CostFixture() {
    }

    public static void writeMinuteAnHourAgo(Path storeFile) throws Exception {
        long minute = (System.currentTimeMillis() - 3_600_000L) / 60_000 * 60_000;
        try (CostStore s = CostStore.openFile(storeFile)) {
            s.writeMinutes(List.of(
                    new CostLine(minute, "host-1", "paris", "catalog-db", "EUR", new Usage(3_600_000_000_000L, 10, 5_000, 7), 4.0, 0),
                    new CostLine(minute, "host-1", "paris", "web", "EUR", new Usage(1_800_000_000_000L, 2, 1_000, 3), 2.0, 0),
                    new CostLine(minute, "host-2", "lyon", "reports", "EUR", new Usage(0, 1, 0, 0), 1.0, 0),
                    new CostLine(minute, "host-1", "paris", CostLine.IDLE, "EUR", Usage.ZERO, 3.0, 0),
                    new CostLine(minute, "host-2", "lyon", CostLine.IDLE, "EUR", Usage.ZERO, 0.5, 5_000)));
        }
    }
}
