package io.federa.manager.store;

import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Usage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * How much the cost store grows (docs/benchmarks.md, "Cost store growth"): MINUTES minutes of
 * HOSTS hosts with APPS applications each (one line per host, application and minute, and the
 * host's idle line: what the cost verticle writes) into an embedded database file, in the
 * verticle's batches; then the file's size per line, and projected per day of 10,000 VMs. Run by
 * bench/cost-store-growth.sh.
 */
public final class CostStoreGrowthBenchmark {
    private CostStoreGrowthBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int apps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int minutes = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        Path dir = Files.createTempDirectory("federa-cost-growth");
        long t0 = 1_798_761_600_000L;
        long lines = 0;
        long start = System.nanoTime();
        try (CostStore store = CostStore.openFile(dir.resolve("federa"))) {
            long empty = size(dir);
            for (int m = 0; m < minutes; m++) {
                List<CostLine> minute = new ArrayList<>(hosts * (apps + 1));
                long at = t0 + m * 60_000L;
                for (int h = 0; h < hosts; h++) {
                    String host = "host-" + h;
                    for (int a = 0; a < apps; a++) {
                        minute.add(new CostLine(at, host, "site-" + (h % 10), "application-" + a, "EUR",
                                new Usage(30_000_000_000L + a, 1.5, 1_000_000 + m, 1_000 + m), 0.00042 * (a + 1), 0));
                    }
                    minute.add(new CostLine(at, host, "site-" + (h % 10), CostLine.IDLE, "EUR", Usage.ZERO, 0.001, 0));
                }
                for (int i = 0; i < minute.size(); i += 5_000) {
                    store.writeMinutes(minute.subList(i, Math.min(minute.size(), i + 5_000)));
                }
                lines += minute.size();
            }
            store.rollUp(t0 + minutes * 60_000L);
            long written = size(dir) - empty;
            double seconds = (System.nanoTime() - start) / 1e9;
            double perLine = written / (double) lines;
            // 10,000 VMs as hosts × apps VMs: the lines a day, minutes only (hours and days are a sixtieth and less).
            double vms = (double) hosts * apps;
            double linesPerDay = lines / (double) minutes * 1_440 * (10_000 / vms);
            System.out.printf(Locale.ROOT, "%d hosts × %d applications, %d minutes: %d lines in %.1f s (%.0f lines/s written)%n",
                    hosts, apps, minutes, lines, seconds, lines / seconds);
            System.out.printf(Locale.ROOT, "H2 file grew %.1f MiB: %.0f bytes a line (with the hours summed)%n",
                    written / 1048576.0, perLine);
            System.out.printf(Locale.ROOT, "10,000 VMs: %.1f M lines a day, %.0f MiB a day, %.1f GiB for the 7 days of minutes kept%n",
                    linesPerDay / 1e6, linesPerDay * perLine / 1048576.0, linesPerDay * perLine * 7 / 1073741824.0);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static long size(Path dir) throws java.io.IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
