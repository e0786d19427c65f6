package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code federa}: the operator's command line, a client of the manager's REST API. Tables for
 * people, {@code -o json} for scripts; on any error a one-line reason and a non-zero exit code
 * (1 refused or failed, 2 bad usage).
 */
@Command(name = "federa", mixinStandardHelpOptions = true, versionProvider = FederaCli.ClientVersion.class,
        description = "Operate Federa: hosts, VMs, services and their definitions.",
        subcommands = {FederaCli.Hosts.class, FederaCli.Vms.class, FederaCli.Services.class, FederaCli.Status.class,
                FederaCli.Apply.class, FederaCli.Delete.class, FederaCli.Events.class, FederaCli.Audit.class, FederaCli.Start.class,
                FederaCli.Stop.class, FederaCli.Explain.class, FederaCli.Cordon.class, FederaCli.Uncordon.class,
                MigrationCommands.Migrate.class, MigrationCommands.Drain.class, MigrationCommands.Migrations.class,
                FederaCli.Managers.class, VmCommands.class, CostCommand.class, ForecastCommand.class, FederaCli.Version.class,
                FederaCli.Completion.class, CommandLine.HelpCommand.class})
public final class FederaCli {
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--server", description = "the managers' APIs, comma-separated: reads go to the first that answers, "
            + "changes to the leader (default: $FEDERA_URL, $FEDERA_SERVER or http://127.0.0.1:8080)",
            scope = CommandLine.ScopeType.INHERIT)
    String server = System.getenv().getOrDefault("FEDERA_URL", System.getenv().getOrDefault("FEDERA_SERVER", "http://127.0.0.1:8080"));

    /** Which manager answered the last call. */
    String answeredBy = "";

    @Option(names = "--token", description = "API token (default: $FEDERA_TOKEN)", scope = CommandLine.ScopeType.INHERIT)
    String token = System.getenv().getOrDefault("FEDERA_TOKEN", "");

    @Option(names = "--cacert", description = "PEM file of the authority that signed the managers' certificates, for "
            + "https:// addresses (default: $FEDERA_CACERT; none: the JDK's trusted authorities)",
            scope = CommandLine.ScopeType.INHERIT)
    String cacert = System.getenv().getOrDefault("FEDERA_CACERT", "");

    private HttpClient http;

    /** How a command prints: a table for people ({@code wide}: more columns, prose whole), or the API's objects. */
    enum Format { table, wide, json, yaml, csv }

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "table (default), wide (more columns, "
            + "messages whole), csv (every column, for a spreadsheet), json or yaml (the API's objects as they came)", scope = CommandLine.ScopeType.INHERIT)
    Format output = Format.table;

    /** Whether standard output is a terminal: --watch then clears the screen before each draw. */
    static boolean terminal;

    public static void main(String[] args) {
        // The command's own output is what the user reads: libraries speak only of what went wrong.
        if (System.getProperty("federa.log.level") == null) {
            System.setProperty("federa.log.level", "WARN");
        }
        io.federa.common.logging.Logging.init().ifPresent(why -> {
            System.err.println("federa: " + why);
            System.exit(2);
        });
        terminal = System.console() != null;
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    /** The whole command tree, each command with --help and --version, each subcommand knowing the top command's options. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        FederaCli top = new FederaCli();
        CommandLine cl = new CommandLine(top).setOut(out).setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("federa: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return e instanceof CliException c ? c.exitCode : e instanceof InterruptedException ? 130 : 1;
        });
        everyCommand(cl, c -> {
            if (c.getCommandSpec() != cl.getCommandSpec() && !(c.getCommand() instanceof CommandLine.HelpCommand)) {
                c.getCommandSpec().mixinStandardHelpOptions(true);
                c.getCommandSpec().versionProvider(cl.getCommandSpec().versionProvider());
            }
            if (c.getCommand() instanceof Sub sub) {
                sub.cli = top;
            }
        });
        return cl;
    }

    /** Visits a command and, depth first, every subcommand under it. */
    static void everyCommand(CommandLine c, java.util.function.Consumer<CommandLine> visit) {
        visit.accept(c);
        c.getSubcommands().values().stream().distinct().forEach(sub -> everyCommand(sub, visit));
    }

    /** The client's version, as the build wrote it. */
    static final class ClientVersion implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"federa " + io.federa.common.Build.version()};
        }
    }

    /** json and yaml: the API's objects for programs, no table. */
    boolean machine() {
        return output == Format.json || output == Format.yaml;
    }

    /** {@code federa start}: an instance of the service fits on no host, and nothing was started. */
    static final int EXIT_UNPLACEABLE = 3;

    /** {@code federa drain}, {@code federa migrate}: a move waits because it would take its application below minAvailable. */
    static final int EXIT_WAITING = 4;

    /** A failure with a one-line reason for the operator. */
    static final class CliException extends Exception {
        private static final long serialVersionUID = 1L;

        /** The API's error word ({@code "unplaceable"}, {@code "not found"} …), empty when the failure is not the API's. */
        final String error;
        final int exitCode;

        CliException(String message) {
            this(message, "", 1);
        }

        CliException(String message, String error, int exitCode) {
            super(message, null, false, false);
            this.error = error;
            this.exitCode = exitCode;
        }
    }

    JsonNode call(String method, String path, String body, String contentType) throws Exception {
        if (token.isBlank()) {
            throw new CliException("no API token: pass --token or set FEDERA_TOKEN");
        }
        java.util.List<String> servers = new java.util.ArrayList<>(java.util.Arrays.stream(server.split(",")).map(String::trim)
                .filter(x -> !x.isEmpty()).map(x -> x.replaceAll("/+$", "")).toList());
        // The manager that answered last is asked first: a command that changed something follows
        // its progress where it was made, on the leader.
        if (!answeredBy.isEmpty()) {
            servers.remove(answeredBy);
            servers.add(0, answeredBy);
        }
        if (servers.isEmpty()) {
            throw new CliException("no manager address: pass --server or set FEDERA_URL");
        }
        java.util.List<String> tried = new java.util.ArrayList<>();
        java.util.ArrayDeque<String> next = new java.util.ArrayDeque<>(servers);
        String unreachable = "";
        while (!next.isEmpty()) {
            String at = next.poll();
            if (tried.contains(at)) {
                continue;
            }
            tried.add(at);
            HttpResponse<String> r;
            try {
                r = send(at, method, path, body, contentType);
            } catch (IOException e) {
                unreachable = "cannot reach the manager at " + at + ": " + reason(e);
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(r.body());
            } catch (IOException e) {
                throw new CliException("the manager at " + at + " answered HTTP " + r.statusCode() + " with something that is not JSON");
            }
            // A manager that does not lead sends changes to the one that does.
            if (r.statusCode() == 503 && "not the leader".equals(n.path("error").asText())) {
                String leader = n.path("leader").asText("").replaceAll("/+$", "");
                if (!leader.isEmpty() && !tried.contains(leader)) {
                    next.addFirst(leader);
                    continue;
                }
                if (!next.isEmpty()) {
                    continue;
                }
            }
            if (!at.equals(answeredBy) && (servers.size() > 1 || tried.size() > 1)) {
                spec().commandLine().getErr().println("federa: answered by " + at);
            }
            answeredBy = at;
            if (r.statusCode() >= 400) {
                String field = n.path("field").isTextual() ? " (" + n.path("field").asText() + ")" : "";
                throw new CliException(n.path("error").asText("HTTP " + r.statusCode()) + ": " + n.path("detail").asText() + field,
                        n.path("error").asText(""), 1);
            }
            return n;
        }
        throw new CliException(servers.size() == 1 ? unreachable : "no manager answered (" + String.join(", ", tried) + "): "
                + unreachable);
    }

    /** Why a call failed, in words: a TLS failure says whose certificate was refused and against what. */
    private String reason(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS: its certificate is not signed by " + (cacert.isEmpty()
                        ? "an authority the JDK trusts (give the managers' authority with --cacert or FEDERA_CACERT)"
                        : "the authority in " + cacert);
            }
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "TLS: its certificate does not name the address asked (" + m + ")";
            }
            if (t instanceof javax.net.ssl.SSLException) {
                return "TLS: " + m;
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * One client per run, and so one kept-alive connection per manager (a client per call held a
     * connection open per call until the manager's idle timeout, and a {@code federa start}
     * waiting a few minutes reached the manager's cap on connections from one address); with
     * --cacert, it trusts that authority only.
     */
    private HttpClient http() throws CliException {
        if (http == null) {
            HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
            if (!cacert.isEmpty()) {
                String pem;
                try {
                    pem = java.nio.file.Files.readString(java.nio.file.Path.of(cacert), java.nio.charset.StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    throw new CliException("cannot read the authority " + cacert + " (--cacert): " + reason(e), "", 2);
                }
                try {
                    b.sslContext(io.federa.common.tls.Pem.context(io.federa.common.tls.Pem.certificates(pem), null,
                            List.of()));
                } catch (IllegalArgumentException e) {
                    throw new CliException("--cacert " + cacert + " " + e.getMessage(), "", 2);
                }
            }
            http = b.build();
        }
        return http;
    }

    private HttpResponse<String> send(String at, String method, String path, String body, String contentType)
            throws IOException, InterruptedException, CliException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(at + "/api/v1" + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
        if (body != null) {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return http().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec topSpec;

    private CommandLine.Model.CommandSpec spec() {
        return topSpec;
    }

    void print(PrintWriter out, JsonNode whole, List<String> headers, List<List<String>> rows) throws IOException {
        table(out, whole, headers.stream().map(Table.Column::of).toList(), rows);
    }

    /**
     * The answer as asked: a table (the wide-only columns with -o wide), or {@code whole} as JSON or
     * YAML. With no columns, a table prints the answer as JSON.
     */
    void table(PrintWriter out, JsonNode whole, List<Table.Column> columns, List<List<String>> rows) throws IOException {
        if (output == Format.yaml) {
            out.print(Yaml.MAPPER.writeValueAsString(whole));
            out.flush();
            return;
        }
        if (output == Format.json || columns.isEmpty()) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(whole));
            return;
        }
        if (output == Format.csv) {
            Table.csv(columns, rows).forEach(out::println);
            return;
        }
        Table.render(columns, rows, output == Format.wide).forEach(out::println);
    }

    /** Made on first use only: SnakeYAML's classes would add to every command's start-up (docs/benchmarks.md). */
    static final class Yaml {
        static final ObjectMapper MAPPER = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER);

        private Yaml() {
        }
    }

    static String gib(JsonNode bytes) {
        return bytes.isNumber() ? (bytes.asLong() >> 30) + " GiB" : "-";
    }

    /** A ratio 0–1 as a percentage with three decimals (99.999%), or - when unknown. */
    static String percent(JsonNode ratio) {
        return ratio.isNumber() ? String.format(java.util.Locale.ROOT, "%.3f%%", ratio.asDouble() * 100) : "-";
    }

    static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** What every subcommand has: the top command's options, and where to print. */
    abstract static class Sub implements Callable<Integer> {
        /** The top command, with --server, --token, -o …: set for every command when the tree is built. */
        FederaCli cli;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** {@code -o json} or {@code yaml} prints the answer as it came; otherwise {@code human} prints for people. */
        void show(JsonNode answer, Runnable human) throws IOException {
            if (cli.machine()) {
                cli.table(out(), answer, List.of(), List.of());
            } else {
                human.run();
            }
        }

        /**
         * Draws once, or with --watch again every interval until interrupted: the screen cleared
         * first on a terminal, else each draw followed by a blank line. A failed draw (a manager
         * restarting) is said in its place, and the next one is tried.
         */
        int watching(Watch watch, Callable<Integer> draw) throws Exception {
            if (!watch.on) {
                return draw.call();
            }
            if (watch.seconds < 1 || watch.seconds > 3600) {
                throw new CliException("--interval must be 1 to 3600 seconds, got " + watch.seconds, "", 2);
            }
            List<String> words = new ArrayList<>(List.of(spec.qualifiedName()));
            spec.commandLine().getParseResult().matchedPositionals().forEach(p -> words.addAll(p.stringValues()));
            while (true) {
                if (terminal) {
                    out().print("\033[H\033[2J");
                }
                out().println("every " + watch.seconds + " s: " + String.join(" ", words) + "   "
                        + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                try {
                    draw.call();
                } catch (CliException e) {
                    out().println("federa: " + e.getMessage());
                }
                if (!terminal) {
                    out().println();
                }
                out().flush();
                Thread.sleep(watch.seconds * 1000L);
            }
        }
    }

    /** --watch and its interval, for the commands that show something that changes. */
    static final class Watch {
        @Option(names = {"-w", "--watch"}, description = "draw again every --interval seconds until interrupted (Ctrl-C)")
        boolean on;

        @Option(names = "--interval", paramLabel = "SECONDS", description = "seconds between draws with --watch (default 2)")
        int seconds = 2;
    }

    @Command(name = "completion", description = "Print the script that lets bash complete federa's commands and options: "
            + "source <(federa completion bash), or put that line in ~/.bashrc.")
    static final class Completion extends Sub {
        @Parameters(paramLabel = "SHELL", description = "bash (zsh reads it too, after autoload -U +X bashcompinit && bashcompinit)")
        String shell;

        @Override
        public Integer call() throws Exception {
            if (!shell.equals("bash")) {
                throw new CliException("completion is written for bash only (zsh loads it through bashcompinit), not " + shell,
                        "", 2);
            }
            // picocli writes it from the commands themselves: a new command or option completes with no change here.
            out().print(picocli.AutoComplete.bash("federa", spec.root().commandLine()));
            out().flush();
            return 0;
        }
    }

    @Command(name = "version", description = "This client's version and the manager's.")
    static final class Version extends Sub {
        @Override
        public Integer call() throws Exception {
            String client = io.federa.common.Build.version();
            JsonNode n;
            try {
                n = cli.call("GET", "/version", null, null);
            } catch (CliException e) {
                out().println("client  " + client);
                throw e;
            }
            com.fasterxml.jackson.databind.node.ObjectNode both = JSON.createObjectNode().put("client", client);
            both.set("server", JSON.createObjectNode().put("version", n.path("version").asText())
                    .put("manager", n.path("manager").asText()).put("url", cli.answeredBy));
            show(both, () -> {
                out().println("client  " + client);
                out().println("server  " + n.path("version").asText() + " (" + n.path("manager").asText() + " at "
                        + cli.answeredBy + ")");
            });
            return 0;
        }
    }

    @Command(name = "managers", description = "The managers that share the store: which one leads, its term, what each sees.")
    static final class Managers extends Sub {
        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("GET", "/managers", null, null);
            show(n, () -> {
                out().println(n.path("leader").asText().isEmpty() ? "no manager leads"
                        : n.path("leader").asText() + " leads with term " + n.path("term").asLong()
                        + (n.path("leaderUrl").asText().isEmpty() ? "" : " at " + n.path("leaderUrl").asText()));
                List<List<String>> rows = new ArrayList<>();
                n.path("members").forEach(m -> rows.add(List.of(m.path("name").asText(), m.path("url").asText(),
                        m.path("role").asText(), Long.toString(m.path("term").asLong()),
                        m.path("agentsReachable").asInt() + "/" + m.path("agents").asInt(),
                        String.format(java.util.Locale.ROOT, "%.1f s ago", m.path("ageSeconds").asDouble()))));
                try {
                    cli.print(out(), n, List.of("NAME", "URL", "ROLE", "TERM", "AGENTS", "SEEN"), rows);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return 0;
        }
    }

    @Command(name = "hosts", description = "List the hosts and whether their agents answer.")
    static final class Hosts extends Sub {
        @CommandLine.Mixin
        Filters.State state;

        @Override
        public Integer call() throws Exception {
            java.util.function.Predicate<JsonNode> keep = Filters.state(state.value, "reachability", Filters.HOST_STATES);
            JsonNode n = Filters.keep(cli.call("GET", "/hosts", null, null), "hosts", keep);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode h : n.path("hosts")) {
                rows.add(List.of(h.path("agent").asText(), h.path("reachability").asText(),
                        h.path("cordoned").isBoolean() ? (h.path("cordoned").asBoolean() ? "yes" : "no") : "-", h.path("site").asText("-"),
                        h.path("offsite").isBoolean() ? (h.path("offsite").asBoolean() ? "yes" : "no") : "-",
                        h.path("securityLevel").asText("-"), h.path("cpus").asText("-"), gib(h.path("memoryBytes")),
                        h.path("vcpusAllocated").isNumber() ? h.path("vcpusAllocated").asText() + " vCPUs" : "-",
                        gib(h.path("memoryAllocatedBytes")), h.path("since").asText("-"), h.path("lastPollAt").asText("-"),
                        h.path("reason").asText()));
            }
            cli.table(out(), n, List.of(Table.Column.of("AGENT"), Table.Column.of("REACHABILITY"), Table.Column.of("CORDONED"),
                    Table.Column.of("SITE"), Table.Column.of("OFFSITE"), Table.Column.of("SECURITY"), Table.Column.of("CPUS"),
                    Table.Column.of("MEMORY"), Table.Column.wide("ALLOCATED"), Table.Column.wide("MEMORY ALLOCATED"),
                    Table.Column.wide("SINCE"), Table.Column.wide("LAST POLL"), Table.Column.prose("REASON")), rows);
            return 0;
        }
    }

    @Command(name = "vms", description = "List every VM, its host, state and labels.")
    static final class Vms extends Sub {
        @Option(names = "--orphaned", description = "only VMs of applications no service has any more, kept until apply --prune")
        boolean orphaned;
        @CommandLine.Mixin
        Filters.Host host;
        @CommandLine.Mixin
        Filters.Service service;
        @CommandLine.Mixin
        Filters.State state;
        @CommandLine.Mixin
        Watch watch;

        @Override
        public Integer call() throws Exception {
            java.util.function.Predicate<JsonNode> keep = Filters.named(host.value, "host")
                    .and(Filters.named(service.value, "service")).and(Filters.state(state.value, "state", Filters.VM_STATES));
            return watching(watch, () -> {
                JsonNode n = Filters.keep(cli.call("GET", orphaned ? "/vms?orphaned=true" : "/vms", null, null), "vms", keep);
                List<List<String>> rows = new ArrayList<>();
                for (JsonNode v : n.path("vms")) {
                    rows.add(List.of(v.path("name").asText(), v.path("host").asText(), v.path("state").asText(),
                            v.path("application").asText(), v.path("service").asText(), v.path("vcpus").asText(),
                            (v.path("memoryBytes").asLong() >> 20) + " MiB",
                            String.format(java.util.Locale.ROOT, "%.0f%%", v.path("cpuLoadRatio").asDouble() * 100),
                            MigrationCommands.bytes(v.path("diskBytes").asLong()), v.path("uptimeSeconds").asLong() + " s",
                            v.path("orphaned").asBoolean() ? "yes" : "no", v.path("uuid").asText(), endpoints(v.path("endpoints"))));
                }
                cli.table(out(), n, List.of(Table.Column.of("VM"), Table.Column.of("HOST"), Table.Column.of("STATE"),
                        Table.Column.of("APPLICATION"), Table.Column.of("SERVICE"), Table.Column.of("VCPUS"),
                        Table.Column.of("MEMORY"), Table.Column.of("CPU LOAD"), Table.Column.wide("DISK"), Table.Column.wide("UPTIME"),
                        Table.Column.wide("ORPHANED"), Table.Column.wide("UUID"), Table.Column.wide("ENDPOINTS")), rows);
                return 0;
            });
        }

        /** The guest ports the host forwards, {@code 80=127.0.0.1:41999 161/udp=…}; {@code -} when none. */
        static String endpoints(JsonNode e) {
            List<String> out = new ArrayList<>();
            e.fields().forEachRemaining(f -> out.add(f.getKey() + "=" + f.getValue().asText()));
            return out.isEmpty() ? "-" : String.join(" ", out);
        }
    }

    @Command(name = "services", description = "List the services and their state.")
    static final class Services extends Sub {
        @CommandLine.Mixin
        Filters.State state;

        @Override
        public Integer call() throws Exception {
            JsonNode n = Filters.keep(cli.call("GET", "/services", null, null), "services",
                    Filters.state(state.value, "state", Filters.SERVICE_STATES));
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode s : n.path("services")) {
                List<String> apps = new ArrayList<>();
                s.path("applications").forEach(a -> apps.add(a.asText()));
                rows.add(List.of(s.path("name").asText(), s.path("state").asText(), percent(s.path("availability").path("1d")),
                        percent(s.path("availability").path("30d")), String.join(",", apps), s.path("desired").asText("-"),
                        percent(s.path("availability").path("1h")), s.path("converged").asBoolean() ? "yes" : "no"));
            }
            cli.table(out(), n, List.of(Table.Column.of("SERVICE"), Table.Column.of("STATE"), Table.Column.of("AVAIL 1D"),
                    Table.Column.of("AVAIL 30D"), Table.Column.of("APPLICATIONS"), Table.Column.wide("DESIRED"),
                    Table.Column.wide("AVAIL 1H"), Table.Column.wide("CONVERGED")), rows);
            return 0;
        }
    }

    @Command(name = "status", description = "A service's state and the reasons for it, its availability and its last transitions.")
    static final class Status extends Sub {
        @Parameters(paramLabel = "SERVICE")
        String service;

        @Option(names = "--since", paramLabel = "WHEN", description = "transitions since an instant or a duration back (default 1d)")
        String since = "1d";
        @CommandLine.Mixin
        Watch watch;

        @Override
        public Integer call() throws Exception {
            return watching(watch, this::draw);
        }

        private int draw() throws Exception {
            JsonNode n = cli.call("GET", "/services/" + encode(service), null, null);
            JsonNode h = cli.call("GET", "/services/" + encode(service) + "/history?since=" + encode(since), null, null);
            show(n, () -> {
                out().println(n.path("name").asText() + ": " + n.path("state").asText()
                        + (n.path("desired").isTextual() ? " (desired " + n.path("desired").asText() + ")" : ""));
                n.path("reasons").forEach(r -> out().println("  - " + r.asText()));
                if (n.path("headcount").size() > 0) {
                    List<String> counts = new ArrayList<>();
                    n.path("headcount").fields().forEachRemaining(c -> counts.add(c.getKey() + " " + c.getValue().path("running").asInt()
                            + "/" + c.getValue().path("wanted").asInt()));
                    out().println("running/wanted: " + String.join(", ", counts));
                }
                if (n.path("instances").size() > 0) {
                    List<String> where = new ArrayList<>();
                    n.path("instances").forEach(i -> where.add(instance(i)));
                    out().println("instances: " + String.join(", ", where));
                }
                n.path("waiting").forEach(w -> out().println("waiting: " + w.asText()));
                JsonNode a = n.path("availability");
                out().println("availability: " + percent(a.path("1h")) + " last hour, " + percent(a.path("1d")) + " last day, "
                        + percent(a.path("30d")) + " last 30 days");
                if (h.path("transitions").size() > 0) {
                    out().println("transitions since " + since + ":");
                    h.path("transitions").forEach(t -> out().println("  " + t.path("at").asText() + "  "
                            + t.path("state").asText()));
                }
            });
            return 0;
        }
    }

    /**
     * One instance as {@code status} lists it: {@code web-1@host-1 (epoch 1)}, with its probe's state
     * and load where its application has a probe ({@code , probe SERVING, load 0.42}); an application
     * that runs in another's VMs is named before the VM ({@code api in web-1@host-1 …}).
     */
    static String instance(JsonNode i) {
        StringBuilder b = new StringBuilder();
        if (i.hasNonNull("runsIn")) {
            b.append(i.path("application").asText()).append(" in ");
        }
        b.append(i.path("name").asText()).append('@').append(i.path("host").asText()).append(" (epoch ").append(i.path("epoch").asText());
        JsonNode probe = i.path("probe");
        if (probe.isObject()) {
            b.append(", probe ").append(probe.path("state").asText());
            if (probe.path("loadRatio").isNumber()) {
                b.append(String.format(java.util.Locale.ROOT, ", load %.2f", probe.path("loadRatio").asDouble()));
            }
        }
        return b.append(')').toString();
    }

    @Command(name = "events", description = "What happened: agents lost and found, VMs and services changing state, definitions applied.")
    static final class Events extends Sub {
        @Option(names = "--since", paramLabel = "WHEN", description = "an instant (2026-11-28T04:00:00Z) or a duration back: 90s, 15m, 2h, 7d (default 1d)")
        String since = "1d";

        @Option(names = "--limit", paramLabel = "N", description = "at most N events, newest first (default 100)")
        int limit = 100;

        @Option(names = "--kind", paramLabel = "KIND", description = "only kinds starting with this: agent., vm., service.state …")
        String kind = "";

        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("GET", "/events?since=" + encode(since) + "&limit=" + limit + "&kind=" + encode(kind), null, null);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : n.path("events")) {
                rows.add(List.of(e.path("at").asText(), e.path("severity").asText(), e.path("kind").asText(),
                        e.path("subject").asText(), e.path("message").asText()));
            }
            cli.table(out(), n, List.of(Table.Column.of("TIME"), Table.Column.of("SEVERITY"), Table.Column.of("KIND"),
                    Table.Column.of("SUBJECT"), Table.Column.prose("MESSAGE")), rows);
            return 0;
        }
    }

    @Command(name = "audit", description = "Who changed what: every change asked of the API, every alert's action, every "
            + "command sent to an agent, with when, from where and the result (operator role).")
    static final class Audit extends Sub {
        @Option(names = "--since", paramLabel = "WHEN", description = "an instant (2026-11-28T04:00:00Z) or a duration back: 90s, 15m, 2h, 7d (default 1d)")
        String since = "1d";

        @Option(names = "--limit", paramLabel = "N", description = "at most N entries, newest first (default 100)")
        int limit = 100;

        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("GET", "/audit?since=" + encode(since) + "&limit=" + limit, null, null);
            List<List<String>> rows = new ArrayList<>();
            for (JsonNode e : n.path("entries")) {
                rows.add(List.of(e.path("at").asText(), e.path("actor").asText(), e.path("source").asText(),
                        e.path("action").asText(), e.path("target").asText(), e.path("result").asText()));
            }
            cli.table(out(), n, List.of(Table.Column.of("TIME"), Table.Column.of("WHO"), Table.Column.of("FROM"),
                    Table.Column.of("WHAT"), Table.Column.of("TARGET"), Table.Column.prose("RESULT")), rows);
            if (n.path("dropped").asLong() > 0) {
                spec.commandLine().getErr().println("note: " + n.path("dropped").asLong() + " audit entries were dropped since this manager started "
                        + "(more waited to be written than it holds)");
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Delete a definition: federa delete service NAME.")
    static final class Delete extends Sub {
        @Parameters(index = "0", paramLabel = "KIND", description = "service")
        String kind;
        @Parameters(index = "1", paramLabel = "NAME")
        String name;
        @Option(names = "--prune", description = "remove, with their data, the VMs of applications no service has any more")
        boolean prune;

        @Override
        public Integer call() throws Exception {
            if (!kind.equals("service")) {
                throw new CliException("only services can be deleted (federa delete service NAME), not " + kind);
            }
            JsonNode n = cli.call("DELETE", "/services/" + encode(name) + (prune ? "?prune=true" : ""),
                    "", "application/json");
            show(n, () -> out().println("deleted service " + name + " (definitions now at version "
                    + n.path("version").asInt() + ")"));
            return 0;
        }
    }

    @Command(name = "apply", description = "Validate and store a definition document (applications and services).")
    static final class Apply extends Sub {
        @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "the YAML or JSON document")
        Path file;
        @Option(names = "--prune", description = "remove, with their data, the VMs of applications the document leaves in no service")
        boolean prune;

        @Override
        public Integer call() throws Exception {
            String doc;
            try {
                doc = Files.readString(file);
            } catch (IOException e) {
                throw new CliException("cannot read " + file + ": " + e.getMessage());
            }
            JsonNode n = cli.call("POST", prune ? "/definitions?prune=true" : "/definitions", doc, "application/yaml");
            show(n, () -> {
                List<String> services = new ArrayList<>();
                n.path("services").forEach(s -> services.add(s.asText()));
                out().println("applied " + file + " as version " + n.path("version").asInt() + " (services: "
                        + String.join(", ", services) + ")" + (prune ? "; VMs in no service are removed with their data" : ""));
            });
            return 0;
        }
    }

    /** Shared by start and stop: ask, then print each step as it happens until done or out of time. */
    abstract static class Lifecycle extends Sub {
        @Parameters(paramLabel = "SERVICE")
        String service;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "give up waiting after this long (default 300)")
        int timeoutSeconds = 300;

        @Option(names = "--no-wait", description = "ask, and return without following the steps")
        boolean noWait;

        abstract String verb();

        abstract boolean done(JsonNode status, JsonNode vms);

        /** Start what fits even when an instance fits on no host. */
        boolean partial() {
            return false;
        }

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            JsonNode asked;
            try {
                asked = cli.call("POST", "/services/" + encode(service) + "/" + verb() + (partial() ? "?partial=true" : ""), "",
                        "application/json");
            } catch (CliException e) {
                if (e.error.equals("unplaceable")) {
                    throw new CliException(e.getMessage(), e.error, EXIT_UNPLACEABLE);
                }
                throw e;
            }
            if (cli.machine() || noWait) {
                cli.print(out(), asked, List.of(), List.of());
                return 0;
            }
            // The manager's own time of the request: the steps it takes from then on are this command's.
            java.time.Instant since = java.time.Instant.parse(asked.path("since").asText());
            out().println(service + ": " + asked.path("desired").asText() + " (asked at " + asked.path("since").asText() + ")");
            java.util.Set<String> seen = new java.util.HashSet<>();
            long deadline = t0 + timeoutSeconds * 1_000_000_000L;
            while (true) {
                JsonNode ev = cli.call("GET", "/events?kind=lifecycle.&limit=1000&since=" + encode(since.toString()), null, null);
                List<JsonNode> fresh = new ArrayList<>();
                ev.path("events").forEach(fresh::add);
                java.util.Collections.reverse(fresh);
                for (JsonNode e : fresh) {
                    String key = e.path("at").asText() + e.path("message").asText();
                    if (e.path("subject").asText().equals(service) && seen.add(key) && !e.path("kind").asText().equals("lifecycle.desired")) {
                        double at = (java.time.Instant.parse(e.path("at").asText()).toEpochMilli() - since.toEpochMilli()) / 1000.0;
                        String msg = e.path("message").asText();
                        out().println(String.format(java.util.Locale.ROOT, "  %+7.2f s  %s", Math.max(0, at),
                                msg.startsWith(service + ": ") ? msg.substring(service.length() + 2) : msg));
                    }
                }
                JsonNode status = cli.call("GET", "/services/" + encode(service), null, null);
                JsonNode vms = cli.call("GET", "/vms", null, null);
                if (done(status, vms)) {
                    out().println(String.format(java.util.Locale.ROOT, "%s: %s after %.1f s", service,
                            status.path("state").asText(), (System.nanoTime() - t0) / 1e9));
                    return 0;
                }
                if (System.nanoTime() > deadline) {
                    JsonNode explained = cli.call("GET", "/services/" + encode(service) + "/explain", null, null);
                    out().println(explained.path("text").asText().stripTrailing());
                    List<String> why = new ArrayList<>();
                    status.path("waiting").forEach(w -> why.add(w.asText()));
                    throw new CliException(service + " is " + status.path("state").asText() + " after " + timeoutSeconds + " s"
                            + (why.isEmpty() ? "" : ": " + String.join("; ", why)));
                }
                Thread.sleep(250);
            }
        }
    }

    @Command(name = "start", description = "Start a service: place and start what it lacks, dependencies first, printing each step.")
    static final class Start extends Lifecycle {
        @Option(names = "--partial", description = "start what fits even when an instance fits on no host "
                + "(without it, such a start fails at once with exit code 3 and starts nothing)")
        boolean partial;

        @Override
        String verb() {
            return "start";
        }

        @Override
        boolean partial() {
            return partial;
        }

        @Override
        boolean done(JsonNode status, JsonNode vms) {
            return status.path("converged").asBoolean() && status.path("state").asText().equals("UP")
                    && status.path("waiting").size() == 0;
        }
    }

    @Command(name = "stop", description = "Stop a service in reverse dependency order, printing each step.")
    static final class Stop extends Lifecycle {
        @Override
        String verb() {
            return "stop";
        }

        @Override
        boolean done(JsonNode status, JsonNode vms) {
            java.util.Set<String> running = new java.util.HashSet<>();
            vms.path("vms").forEach(v -> {
                if (v.path("state").asText().equals("RUNNING")) {
                    running.add(v.path("host").asText() + "/" + v.path("name").asText());
                }
            });
            // What another started service runs keeps running: the stop ends when what this service alone uses has stopped.
            for (JsonNode i : status.path("instances")) {
                if (!i.path("keptByOthers").asBoolean() && running.contains(i.path("host").asText() + "/" + i.path("name").asText())) {
                    return false;
                }
            }
            // STOPPED: the service view (computed each poll interval) has seen the stop too, so the
            // state printed is the one every reader shows from now on.
            return status.path("converged").asBoolean() && status.path("waiting").size() == 0
                    && status.path("state").asText().equals("STOPPED");
        }
    }

    @Command(name = "explain", description = "Why each instance of a service is where it is, or nowhere.")
    static final class Explain extends Sub {
        @Parameters(index = "0", paramLabel = "SERVICE")
        String service;

        @Parameters(index = "1", paramLabel = "APPLICATION", arity = "0..1")
        String application;

        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("GET", "/services/" + encode(service) + "/explain"
                    + (application == null ? "" : "?application=" + encode(application)), null, null);
            show(n, () -> out().println(n.path("text").asText().stripTrailing()));
            return 0;
        }
    }

    /** cordon and uncordon. */
    abstract static class CordonCommand extends Sub {
        @Parameters(paramLabel = "HOST")
        String host;

        abstract boolean on();

        @Override
        public Integer call() throws Exception {
            JsonNode n = cli.call("POST", "/hosts/" + encode(host) + (on() ? "/cordon" : "/uncordon"), "", "application/json");
            show(n, () -> out().println(host + (on() ? " cordoned: no new VMs go there" : " uncordoned: back in placement")
                    + (n.path("changed").asBoolean() ? "" : " (it already was)")));
            return 0;
        }
    }

    @Command(name = "cordon", description = "Take a host out of placement (its VMs stay).")
    static final class Cordon extends CordonCommand {
        @Override
        boolean on() {
            return true;
        }
    }

    @Command(name = "uncordon", description = "Put a host back into placement.")
    static final class Uncordon extends CordonCommand {
        @Override
        boolean on() {
            return false;
        }
    }
}
