package io.federa.manager.store;

import io.federa.manager.core.cost.CostLine;
import io.federa.manager.core.cost.Resolution;
import io.federa.manager.core.cost.Usage;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Cost lines by minute, rolled up to hours and days, on the embedded file and on a real PostgreSQL. */
class CostStoreTest {
    private static final long T0 = 1_798_761_600_000L; // 2027-01-01T00:00:00Z
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 3_600_000L;
    private static final long DAY = 86_400_000L;

    @TempDir
    Path dir;

    private CostStore open(String database) throws Exception {
        return database.equals("h2") ? CostStore.openFile(dir.resolve("federa"))
                : CostStore.open(PostgresServer.get().newDatabase(), "federa", "");
    }

    /** Two days and a half of minutes: web on h1 and h2, h1's idle, 0.01 EUR and one CPU-second a minute each. */
    private static List<CostLine> minutes() {
        List<CostLine> out = new ArrayList<>();
        for (long t = T0; t < T0 + 2 * DAY + 12 * HOUR; t += MINUTE) {
            out.add(new CostLine(t, "h1", "paris", "web", "EUR", new Usage(1_000_000_000L, 0.5, 1_000, 2), 0.01, 0));
            out.add(new CostLine(t, "h2", "lyon", "web", "EUR", new Usage(1_000_000_000L, 0.5, 1_000, 2), 0.01, 0));
            out.add(new CostLine(t, "h1", "paris", CostLine.IDLE, "EUR", Usage.ZERO, 0.02, t == T0 ? 30_000 : 0));
        }
        return out;
    }

    private static double cost(List<CostLine> lines) {
        return lines.stream().mapToDouble(CostLine::cost).sum();
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void minutes_roll_up_to_hours_and_days_and_every_resolution_reads_the_same_totals(String database) throws Exception {
        try (CostStore s = open(database)) {
            List<CostLine> minutes = minutes();
            for (int i = 0; i < minutes.size(); i += 1_000) {
                s.writeMinutes(minutes.subList(i, Math.min(minutes.size(), i + 1_000)));
            }
            long now = T0 + 2 * DAY + 12 * HOUR;
            s.rollUp(now);
            s.rollUp(now); // again: nothing doubles
            double expected = cost(minutes);
            for (Resolution r : Resolution.values()) {
                List<CostLine> read = s.lines(r, T0, now);
                assertThat(cost(read)).as("read by %s", r).isCloseTo(expected, within(1e-9));
                assertThat(read.stream().mapToLong(l -> l.usage().cpuNanoseconds()).sum()).isEqualTo(2 * 3_600L * 1_000_000_000L);
                assertThat(read.stream().mapToLong(l -> l.usage().bytesSent()).sum()).isEqualTo(2 * 3_600L * 1_000);
                assertThat(read.stream().mapToLong(CostLine::gapMillis).sum()).isEqualTo(30_000);
            }
            List<CostLine> days = s.lines(Resolution.DAY, T0, now);
            // Two whole days summed, the half day after them read from its hours.
            assertThat(days.stream().filter(l -> l.bucketMillis() % DAY == 0 && l.bucketMillis() < T0 + 2 * DAY)
                    .filter(l -> l.host().equals("h1") && l.application().equals("web")))
                    .hasSize(2).allSatisfy(l -> {
                        assertThat(l.cost()).isCloseTo(0.01 * 1_440, within(1e-9));
                        assertThat(l.site()).isEqualTo("paris");
                    });
            assertThat(days.stream().filter(l -> l.bucketMillis() >= T0 + 2 * DAY).map(CostLine::bucketMillis).distinct())
                    .hasSize(12);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void each_resolution_is_pruned_past_its_retention_and_the_coarser_ones_keep_the_figures(String database) throws Exception {
        try (CostStore s = open(database)) {
            s.writeMinutes(minutes());
            long now = T0 + 2 * DAY + 12 * HOUR;
            s.rollUp(now);
            s.prune(Map.of(Resolution.MINUTE, T0 + 2 * DAY, Resolution.HOUR, T0 + DAY, Resolution.DAY, 0L));
            assertThat(s.lines(Resolution.MINUTE, T0, T0 + 2 * DAY)).isEmpty();
            assertThat(s.lines(Resolution.HOUR, T0, T0 + DAY)).isEmpty();
            assertThat(cost(s.lines(Resolution.DAY, T0, now))).isCloseTo(cost(minutes()), within(1e-9));
            // New minutes after pruning: the hour and day sums go on from where they stopped.
            s.writeMinutes(List.of(new CostLine(now, "h1", "paris", "web", "EUR", Usage.ZERO, 1.0, 0)));
            s.rollUp(now + DAY);
            assertThat(cost(s.lines(Resolution.DAY, T0, now + DAY))).isCloseTo(cost(minutes()) + 1.0, within(1e-9));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void a_hosts_watermark_is_written_with_its_lines_and_only_moves_forward(String database) throws Exception {
        try (CostStore s = open(database)) {
            assertThat(s.watermarks()).isEmpty();
            CostLine web = new CostLine(T0, "h1", "paris", "web", "EUR", Usage.ZERO, 1.0, 0);
            s.writeMinutes(List.of(web), Map.of("h1", T0 + 59_000));
            s.writeMinutes(List.of(web.in(T0 + 60_000)), Map.of("h1", T0 + 119_000, "h2", T0 + 5_000));
            // A late writer (a former leader's last batch) does not move it back.
            s.writeMinutes(List.of(), Map.of("h1", T0 + 30_000));
            assertThat(s.watermarks()).containsExactlyInAnyOrderEntriesOf(Map.of("h1", T0 + 119_000, "h2", T0 + 5_000));
            assertThat(s.lines(Resolution.MINUTE, T0, T0 + HOUR)).hasSize(2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgresql"})
    void a_store_with_lines_from_before_watermarks_starts_each_host_at_the_end_of_its_last_minute(String database)
            throws Exception {
        String url = database.equals("h2") ? Jdbc.fileUrl(dir.resolve("federa")) : PostgresServer.get().newDatabase();
        String user = database.equals("h2") ? "" : "federa";
        org.flywaydb.core.Flyway.configure().dataSource(url, user, "").locations(Schema.LOCATION)
                .table(Schema.HISTORY_TABLE).target("8").load().migrate();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, user, "");
             java.sql.Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO cost_line VALUES ('m', " + T0 + ", 'h1', 'paris', 'web', 'EUR', 0, 0, 0, 0, 1.0, 0)");
            st.executeUpdate("INSERT INTO cost_line VALUES ('m', " + (T0 + 60_000) + ", 'h1', 'paris', '(idle)', 'EUR', 0, 0, 0, 0, 1.0, 0)");
            st.executeUpdate("INSERT INTO cost_line VALUES ('h', " + (T0 + HOUR) + ", 'h2', 'paris', 'web', 'EUR', 0, 0, 0, 0, 1.0, 0)");
        }
        try (CostStore s = CostStore.open(url, user, "")) {
            // h2 has no minutes left (pruned): it has no watermark, and nothing is reported for it.
            assertThat(s.watermarks()).containsExactlyEntriesOf(Map.of("h1", T0 + 120_000));
        }
    }
}
