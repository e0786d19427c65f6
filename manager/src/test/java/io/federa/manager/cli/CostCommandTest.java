package io.federa.manager.cli;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code federa cost} against a whole manager whose store holds an hour-old minute of the demo's shop. */
class CostCommandTest {
    private static final String VIEWER = "viewer-token-0123456789";
    private static final String OPERATOR = "operator-token-0123456789";
    private TestManager manager;
    private String server;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        manager = new TestManager(dir, List.of(), 1024 * 1024, List.of(
                new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER),
                new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR)));
        server = "http://127.0.0.1:" + manager.port();
        Path shop = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize().resolve("examples/shop.yaml");
        assertThat(federa(OPERATOR, "apply", "-f", shop.toString()).exit()).isZero();
        io.federa.manager.store.CostFixture.writeMinuteAnHourAgo(dir.resolve("federa"));
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    private Run federa(String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--server", server, "--token", token));
        all.addAll(List.of(args));
        int exit = FederaCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void by_service_a_table_with_units_and_currency_and_the_bill_that_closes() {
        Run r = federa(VIEWER, "cost", "--by", "service", "--since", "1d");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("cost by service from ");
        assertThat(lines.get(1)).startsWith("SERVICE").contains("COST", "CURRENCY", "CPU (s)", "STORAGE (GiB-h)", "SENT (bytes)");
        assertThat(r.out()).containsPattern("shop +4\\.0000 +EUR +3600\\.0 +7\\.000 +3500 +7 +0\\.0000 +0")
                .containsPattern("backoffice +3\\.0000 +EUR +1800\\.0 +6\\.000 +2500 +4 +0\\.0000 +0")
                .containsPattern("\\(idle\\) +3\\.5000 +EUR")
                .contains("bill EUR: applications 7.0000 EUR + idle 3.5000 EUR = hosts 10.5000 EUR");
    }

    @Test
    void per_step_as_csv_and_json() {
        Run csv = federa(VIEWER, "cost", "--by", "host", "--since", "1d", "--step", "1h", "-o", "csv");
        assertThat(csv.exit()).as(csv.err()).isZero();
        List<String> lines = csv.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("HOST,START,COST,CURRENCY,CPU (s),STORAGE (GiB-h),SENT (bytes),SENT (packets),IDLE COST,GAPS (s)");
        assertThat(lines).anyMatch(l -> l.matches("host-1,[0-9T:Z-]+,9\\.0000,EUR,5400\\.0,12\\.000,6000,10,3\\.0000,0"))
                .anyMatch(l -> l.matches("host-2,[0-9T:Z-]+,1\\.5000,EUR,0\\.0,1\\.000,0,0,0\\.5000,5"));
        Run json = federa(VIEWER, "cost", "--by", "site", "-o", "json");
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.out()).contains("\"by\" : \"site\"").contains("\"bill\"");
    }

    @Test
    void forecast_says_when_there_is_none_yet_and_refuses_an_unknown_grouping_or_key() {
        // The manager has no agent: no capacity, so no forecast whatever the store holds.
        Run none = federa(VIEWER, "forecast");
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(none.out().trim())
                .isEqualTo("no forecast yet: a host needs 12 hours of stored usage, and forecasts are made each hour");
        Run json = federa(VIEWER, "forecast", "--by", "site", "-o", "json");
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.out()).contains("\"by\" : \"site\"").contains("\"horizon\" : \"14d\"").contains("\"forecasts\" : [ ]");
        Run region = federa(VIEWER, "forecast", "--by", "region");
        assertThat(region.exit()).isNotZero();
        assertThat(region.err()).contains("by must be host or site; got \"region\"");
        Run unknown = federa(VIEWER, "forecast", "host-9");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("no forecast of the host host-9 (unknown, or under 12 hours of stored usage)");
    }

    @Test
    void a_bad_grouping_or_format_is_refused_with_the_reason() {
        Run by = federa(VIEWER, "cost", "--by", "vm");
        assertThat(by.exit()).isNotZero();
        assertThat(by.err()).contains("by must be one of service, application, host, site; got \"vm\"");
        Run format = federa(VIEWER, "cost", "-o", "xml");
        assertThat(format.exit()).isNotZero();
        assertThat(format.err()).contains("xml").contains("table, wide, json, yaml, csv");
    }
}
