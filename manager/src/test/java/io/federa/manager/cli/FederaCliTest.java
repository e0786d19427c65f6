package io.federa.manager.cli;

import io.federa.manager.TestManager;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.spec.Catalog;
import io.federa.manager.http.ApiVerticle;
import io.federa.manager.store.DefinitionStore;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The federa command line against a real API server. */
class FederaCliTest {
    private static final String VIEWER = "viewer-token-0123456789";
    private static final String OPERATOR = "operator-token-0123456789";
    private TestManager manager;
    private DefinitionStore store;
    private String server;
    private Path shop;

    record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        shop = Path.of(System.getProperty("federa.root", "..")).toAbsolutePath().normalize().resolve("examples/shop.yaml");
        manager = new TestManager(dir, List.of(new ManagerConfig.Agent("host-1", "127.0.0.1", 9, ManagerConfig.Transport.JOLOKIA,
                "federa", "secret-password")), 1024 * 1024, List.of(
                new ManagerConfig.Token("noc", VIEWER, ManagerConfig.Role.VIEWER),
                new ManagerConfig.Token("ops", OPERATOR, ManagerConfig.Role.OPERATOR)));
        store = manager.definitions;
        server = "http://127.0.0.1:" + manager.port();
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
    }

    private Run federa(String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("--server", server));
        if (token != null) {
            all.addAll(List.of("--token", token));
        }
        all.addAll(List.of(args));
        int exit = FederaCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void apply_then_read_services_and_status() throws Exception {
        Run applied = federa(OPERATOR, "apply", "-f", shop.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("as version 1 (services: shop, backoffice)");

        // Defined, never started: STOPPED (once the view of the next poll interval has it).
        Run services = federa(VIEWER, "services");
        for (int i = 0; i < 50 && !services.out().contains("STOPPED"); i++) {
            Thread.sleep(100);
            services = federa(VIEWER, "services");
        }
        assertThat(services.exit()).isZero();
        assertThat(services.out().lines().toList()).first().asString().startsWith("SERVICE").contains("STATE");
        assertThat(services.out()).containsPattern("shop +STOPPED +\\S+ +\\S+ +web,catalog-db,payment");
        assertThat(federa(VIEWER, "status", "shop").out()).startsWith("shop: STOPPED (desired STOPPED)");

        // Started (what fits: nothing, no agent answers): DOWN, with the reasons.
        assertThat(federa(OPERATOR, "start", "shop", "--partial", "--no-wait").exit()).isZero();
        Run status = federa(VIEWER, "status", "shop");
        for (int i = 0; i < 50 && !status.out().startsWith("shop: DOWN"); i++) {
            Thread.sleep(100);
            status = federa(VIEWER, "status", "shop");
        }
        assertThat(status.out()).startsWith("shop: DOWN (desired STARTED)").contains("  - catalog-db: 0 of 1 instances running")
                .contains("running/wanted: web 0/2, catalog-db 0/1, payment 0/1")
                .containsPattern("availability: [0-9.]+% last hour, [0-9.]+% last day, [0-9.]+% last 30 days");

        Run json = federa(VIEWER, "-o", "json", "services");
        assertThat(json.exit()).isZero();
        assertThat(json.out().trim()).startsWith("{").contains("\"state\" : \"DOWN\"");

        // The configured agent has nothing listening: after two missed polls it is UNREACHABLE, with why.
        Run hosts = federa(VIEWER, "hosts");
        for (int i = 0; i < 50 && !hosts.out().contains("UNREACHABLE"); i++) {
            Thread.sleep(100);
            hosts = federa(VIEWER, "hosts");
        }
        assertThat(hosts.out()).containsPattern("host-1 +UNREACHABLE .* connection refused");

        assertThat(federa(VIEWER, "delete", "service", "backoffice").err().trim())
                .isEqualTo("federa: forbidden: this needs the operator role; the token is viewer");
        Run deleted = federa(OPERATOR, "delete", "service", "backoffice");
        assertThat(deleted.out().trim()).isEqualTo("deleted service backoffice (definitions now at version 2)");
        assertThat(federa(VIEWER, "services").out()).doesNotContain("backoffice").contains("shop");

        // Both changes are events, newest first; -o json gives them whole.
        Run events = federa(VIEWER, "events", "--kind", "definitions.", "--since", "1h");
        for (int i = 0; i < 50 && events.out().lines().count() < 3; i++) {
            Thread.sleep(100);
            events = federa(VIEWER, "events", "--kind", "definitions.", "--since", "1h");
        }
        assertThat(events.out().lines().toList()).first().asString().startsWith("TIME").contains("SEVERITY");
        assertThat(events.out()).containsPattern("INFO +definitions.applied +ops +definitions version 1 applied by ops");
        Run all = federa(VIEWER, "-o", "json", "events", "--limit", "5");
        assertThat(all.out()).contains("\"kind\" : \"service.deleted\"").contains("service backoffice deleted by ops");
        assertThat(federa(VIEWER, "events", "--since", "last week").err().trim()).startsWith("federa: bad request: since must be");
        assertThat(federa(OPERATOR, "delete", "service", "backoffice").err().trim())
                .isEqualTo("federa: not found: no service named backoffice (name)");
    }

    @Test
    void every_error_is_one_line_and_a_non_zero_exit() throws Exception {
        Run noToken = federa(null, "services");
        assertThat(noToken.exit()).isEqualTo(1);
        assertThat(noToken.err().trim()).isEqualTo("federa: no API token: pass --token or set FEDERA_TOKEN");

        Run viewerApply = federa(VIEWER, "apply", "-f", shop.toString());
        assertThat(viewerApply.exit()).isEqualTo(1);
        assertThat(viewerApply.err().trim()).isEqualTo("federa: forbidden: this needs the operator role; the token is viewer");

        Path bad = Files.createTempFile("bad", ".yaml");
        Files.writeString(bad, Files.readString(shop).replace("vcpus: 4,", "vcpus: 0,"));
        Run invalid = federa(OPERATOR, "apply", "-f", bad.toString());
        assertThat(invalid.exit()).isEqualTo(1);
        assertThat(invalid.err().trim()).isEqualTo(
                "federa: invalid definition: must be between 1 and 256, got 0 (applications[0].resources.vcpus)");

        Run unknown = federa(VIEWER, "status", "nope");
        assertThat(unknown.err().trim()).isEqualTo("federa: not found: no service named nope (name)");

        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        server = "http://127.0.0.1:" + closed;
        Run down = federa(VIEWER, "services");
        assertThat(down.exit()).isEqualTo(1);
        assertThat(down.err()).startsWith("federa: cannot reach the manager at http://127.0.0.1:" + closed);

        Run usage = federa(VIEWER, "frobnicate");
        assertThat(usage.exit()).isEqualTo(2);
    }

    /** Every command of the tree, by its words after "federa" ("migrations", "vm load" …), walked from picocli's model. */
    private static List<List<String>> everyCommand() {
        List<List<String>> out = new ArrayList<>();
        FederaCli.everyCommand(FederaCli.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())),
                c -> {
                    List<String> words = new ArrayList<>();
                    for (var s = c.getCommandSpec(); s.parent() != null; s = s.parent()) {
                        words.add(0, s.name());
                    }
                    out.add(words);
                });
        return out;
    }

    @Test
    void every_command_answers_help_and_version_and_help_names_it() {
        List<List<String>> all = everyCommand();
        assertThat(all).contains(List.of(), List.of("vms"), List.of("help"), List.of("version"), List.of("migrations"));
        for (List<String> words : all) {
            String name = String.join(" ", List.of("federa", String.join(" ", words))).strip();
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(words);
                args.add(flag);
                Run help = federa(null, args.toArray(String[]::new));
                assertThat(help.exit()).as(name + " " + flag + ": " + help.err()).isZero();
                // picocli's own help command starts with its description.
                assertThat(help.out()).as(name + " " + flag).contains("Usage: " + name + " ").contains("-h, --help");
                assertThat(help.out().indexOf("Usage: ")).as(name + " " + flag).isLessThan(words.equals(List.of("help")) ? 80 : 1);
            }
            if (!words.isEmpty() && !words.get(0).equals("help")) {
                // picocli's help command takes a top-level command (federa help vm; federa vm load --help goes deeper).
                Run help = federa(null, "help", words.get(0));
                assertThat(help.exit()).as("federa help " + words).isZero();
                assertThat(help.out()).startsWith("Usage: federa " + words.get(0) + " ");
            }
            if (words.equals(List.of("help"))) {
                continue;
            }
            List<String> args = new ArrayList<>(words);
            args.add("--version");
            Run version = federa(null, args.toArray(String[]::new));
            assertThat(version.exit()).as(name + " --version").isZero();
            assertThat(version.out().trim()).isEqualTo("federa " + io.federa.common.Build.version());
        }
    }

    @Test
    void version_says_the_clients_and_the_servers_both_from_the_build() throws Exception {
        String built = io.federa.common.Build.version();
        assertThat(built).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*");
        Run v = federa(VIEWER, "version");
        assertThat(v.exit()).as(v.err()).isZero();
        assertThat(v.out().lines().toList()).hasSize(2).first().isEqualTo("client  " + built);
        assertThat(v.out().lines().toList().get(1)).startsWith("server  " + built + " (").endsWith(" at " + server + ")");
        Run json = federa(VIEWER, "version", "-o", "json");
        assertThat(FederaCli.JSON.readTree(json.out()).path("server").path("version").asText()).isEqualTo(built);

        server = "http://127.0.0.1:" + closedPort();
        Run away = federa(VIEWER, "version");
        assertThat(away.exit()).isEqualTo(1);
        assertThat(away.out().trim()).isEqualTo("client  " + built);
        assertThat(away.err()).startsWith("federa: cannot reach the manager at " + server);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Runs the command until its output contains {@code text}, as a view of the next poll interval has it; its last run. */
    private Run until(String text, String token, String... args) throws Exception {
        Run r = federa(token, args);
        for (int i = 0; i < 100 && !r.out().contains(text); i++) {
            Thread.sleep(100);
            r = federa(token, args);
        }
        return r;
    }

    @Test
    void listings_filter_by_state_in_any_case_and_refuse_a_state_that_is_none() throws Exception {
        assertThat(federa(OPERATOR, "apply", "-f", shop.toString()).exit()).isZero();
        assertThat(federa(OPERATOR, "start", "shop", "--partial", "--no-wait").exit()).isZero();
        until("DOWN", VIEWER, "services");
        Run down = federa(VIEWER, "services", "--state", "down");
        assertThat(down.out()).contains("shop").doesNotContain("backoffice");
        Run stopped = federa(VIEWER, "services", "--state", "STOPPED");
        assertThat(stopped.out()).contains("backoffice").doesNotContain("shop ");
        Run json = federa(VIEWER, "services", "--state", "STOPPED", "-o", "json");
        assertThat(FederaCli.JSON.readTree(json.out()).path("services")).hasSize(1);

        Run typo = federa(VIEWER, "services", "--state", "sleeping");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err().trim()).isEqualTo("federa: --state sleeping is not a state here; the states are UP, DEGRADED, "
                + "DOWN, STOPPED, UNKNOWN");

        until("UNREACHABLE", VIEWER, "hosts");
        assertThat(federa(VIEWER, "hosts", "--state", "unreachable").out()).contains("host-1");
        assertThat(federa(VIEWER, "hosts", "--state", "reachable").out().lines()).hasSize(1);
        assertThat(federa(VIEWER, "vms", "--state", "running", "--host", "host-1", "--service", "shop").out().lines().toList())
                .containsExactly("VM  HOST  STATE  APPLICATION  SERVICE  VCPUS  MEMORY  CPU LOAD");
        assertThat(federa(VIEWER, "vms", "--state", "asleep").err()).contains("the states are UNKNOWN, RUNNING, PAUSED");
        assertThat(federa(VIEWER, "migrations", "--state", "copying", "--host", "host-1").exit()).isZero();
        assertThat(federa(VIEWER, "migrations", "--state", "moving").err()).contains("REQUESTED, STOPPING, COPYING");
    }

    @Test
    void output_is_a_table_a_wide_table_json_or_yaml_of_the_apis_objects() throws Exception {
        assertThat(federa(OPERATOR, "apply", "-f", shop.toString()).exit()).isZero();
        Run table = until("STOPPED", VIEWER, "services");
        assertThat(table.out().lines().findFirst().orElseThrow()).isEqualTo("SERVICE     STATE    AVAIL 1D  AVAIL 30D  APPLICATIONS");
        Run wide = federa(VIEWER, "services", "-o", "wide");
        assertThat(wide.out().lines().findFirst().orElseThrow()).containsPattern("^SERVICE +STATE +AVAIL 1D +AVAIL 30D +APPLICATIONS +DESIRED +AVAIL 1H +CONVERGED$");
        Run yaml = federa(VIEWER, "-o", "yaml", "services");
        assertThat(yaml.out()).startsWith("services:\n- name: ");
        var fromYaml = FederaCli.Yaml.MAPPER.readTree(yaml.out());
        var fromJson = FederaCli.JSON.readTree(federa(VIEWER, "-o", "json", "services").out());
        assertThat(fromYaml.path("services").get(0).path("name").asText()).isEqualTo(fromJson.path("services").get(0).path("name").asText());
        assertThat(fromYaml.path("services")).hasSameSizeAs(fromJson.path("services"));
        Run csv = federa(VIEWER, "-o", "csv", "services");
        assertThat(csv.out().lines().findFirst().orElseThrow())
                .isEqualTo("SERVICE,STATE,AVAIL 1D,AVAIL 30D,APPLICATIONS,DESIRED,AVAIL 1H,CONVERGED");
        assertThat(csv.out().lines().skip(1)).allMatch(l -> l.split(",", -1).length >= 8);

        Run bad = federa(VIEWER, "-o", "xml", "services");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("Invalid value for option '--output'").contains("[table, wide, json, yaml, csv]")
                .contains("'xml'");
    }

    @Test
    void an_events_message_is_one_line_in_a_table_cut_when_narrow_whole_when_wide_and_as_it_is_in_json() throws Exception {
        String message = "first line of a long message\n  second line, which goes on and on well past what a narrow "
                + "table shows of it\nthird line";
        manager.history.write(List.of(new io.federa.manager.core.events.Event(System.currentTimeMillis(),
                io.federa.manager.core.events.Event.Severity.WARNING, "test.multiline", "shop", message)), List.of());
        Run narrow = federa(VIEWER, "events", "--kind", "test.");
        assertThat(narrow.out().lines()).hasSize(2);
        String row = narrow.out().lines().toList().get(1);
        String cut = "first line of a long message / second line, which goes on a…";
        assertThat(cut).hasSize(Table.PROSE_WIDTH);
        assertThat(row).endsWith("WARNING   test.multiline  shop     " + cut);
        Run wide = federa(VIEWER, "events", "--kind", "test.", "-o", "wide");
        assertThat(wide.out().lines()).hasSize(2);
        assertThat(wide.out().lines().toList().get(1)).endsWith("first line of a long message / second line, which goes on and "
                + "on well past what a narrow table shows of it / third line");
        Run json = federa(VIEWER, "events", "--kind", "test.", "-o", "json");
        assertThat(FederaCli.JSON.readTree(json.out()).path("events").get(0).path("message").asText()).isEqualTo(message);
    }

    @Test
    void watch_draws_again_every_interval_until_interrupted() throws Exception {
        StringWriter out = new StringWriter();
        AtomicReference<Integer> exit = new AtomicReference<>();
        Thread t = new Thread(() -> exit.set(FederaCli.run(new String[]{"--server", server, "--token", VIEWER, "vms", "--watch",
                "--interval", "1"}, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true))));
        t.start();
        // Three draws begun: the first two are whole.
        while (out.toString().split("every 1 s: federa ", -1).length < 4) {
            assertThat(t.isAlive()).as(out.toString()).isTrue();
            Thread.sleep(50);
        }
        t.interrupt();
        t.join();
        assertThat(exit.get()).isEqualTo(130);
        assertThat(out.toString()).startsWith("every 1 s: federa vms   ").doesNotContain(VIEWER)
                .containsPattern("(?s)VM +HOST[^\n]*\n\nevery 1 s: federa vms [^\n]*\nVM +HOST");
        assertThat(federa(VIEWER, "vms", "--watch", "--interval", "0").err().trim())
                .isEqualTo("federa: --interval must be 1 to 3600 seconds, got 0");
    }

    @Test
    void vm_commands_name_the_vm_and_refuse_bad_input_before_asking() {
        Run both = federa(OPERATOR, "vm", "load", "web-1", "0.9", "--clear");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err().trim()).isEqualTo("federa: give either a RATIO (federa vm load web-1 0.9) or --clear, not both");
        assertThat(federa(OPERATOR, "vm", "load", "web-1").err().trim())
                .isEqualTo("federa: give either a RATIO (federa vm load web-1 0.9) or --clear, one of them");
        assertThat(federa(OPERATOR, "vm", "load", "web-1", "lots").err().trim())
                .isEqualTo("federa: RATIO must be a number from 0 to 1 (0.9 is 90%), got lots");
        Run high = federa(OPERATOR, "vm", "load", "web-1", "90");
        assertThat(high.exit()).isEqualTo(1);
        assertThat(high.err().trim()).isEqualTo("federa: bad request: ratio must be a CPU load from 0 to 1 (0.9 is 90%), got 90.0 (ratio)");
        assertThat(federa(OPERATOR, "vm", "load", "web-9", "0.5").err().trim())
                .isEqualTo("federa: not found: no VM named web-9 in the inventory (federa vms lists them) (name)");
        assertThat(federa(OPERATOR, "vm", "destroy", "web-9", "--host", "host-1").err().trim())
                .isEqualTo("federa: not found: no VM named web-9 on host-1 in the inventory (federa vms lists them) (name)");
        assertThat(federa(VIEWER, "vm", "load", "web-9", "--clear").err().trim())
                .isEqualTo("federa: forbidden: this needs the operator role; the token is viewer");
        Run none = federa(OPERATOR, "vm");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).startsWith("federa vm needs a command: destroy or load");
    }

    @Test
    void follow_names_what_it_cannot_follow() {
        Run unknown = federa(VIEWER, "migrations", "--follow", "m-404");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err().trim()).isEqualTo("federa: not found: no migration m-404 (the manager keeps the latest 200 "
                + "finished ones) (id)");
        Run host = federa(VIEWER, "migrations", "--follow", "host-9");
        assertThat(host.exit()).isEqualTo(1);
        assertThat(host.err().trim()).isEqualTo("federa: no drain of host-9 is in flight or among the latest moves (and host-9 "
                + "is not a migration id such as m-3); federa migrations --host host-9 lists its moves");
    }

    @Test
    void the_states_the_filters_know_are_the_managers() {
        assertThat(Filters.HOST_STATES).containsExactlyElementsOf(java.util.Arrays.stream(
                io.federa.manager.core.inventory.AgentHealth.State.values()).map(Enum::name).toList());
        assertThat(Filters.MIGRATION_PHASES).containsExactlyElementsOf(java.util.Arrays.stream(
                io.federa.manager.core.migration.Phase.values()).map(Enum::name).toList());
        List<String> services = new ArrayList<>(java.util.Arrays.stream(
                io.federa.manager.core.availability.ServiceAvailability.State.values()).map(Enum::name).toList());
        services.add("UNKNOWN");
        assertThat(Filters.SERVICE_STATES).containsExactlyElementsOf(services);
    }

    @Test
    void a_vms_forwarded_ports_read_as_the_agent_names_them() throws Exception {
        assertThat(FederaCli.Vms.endpoints(FederaCli.JSON.readTree("{\"80\":\"127.0.0.1:41999\",\"161/udp\":\"127.0.0.1:42017\"}")))
                .isEqualTo("80=127.0.0.1:41999 161/udp=127.0.0.1:42017");
        assertThat(FederaCli.Vms.endpoints(FederaCli.JSON.readTree("{}"))).isEqualTo("-");
        assertThat(FederaCli.Vms.endpoints(FederaCli.JSON.missingNode())).as("a manager older than the client").isEqualTo("-");
    }
}
