package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code federa migrate}, {@code federa drain} and {@code federa migrations}. */
final class MigrationCommands {
    private MigrationCommands() {
    }

    /** 1536 → "1.5 KiB"; every size the CLI shows has its unit. */
    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static boolean finished(JsonNode m) {
        String p = m.path("phase").asText();
        return p.equals("DONE") || p.equals("ROLLED_BACK") || p.equals("NOT_STARTED");
    }

    /** A move that waits for the operator to allow downtime: it would take its application below minAvailable. */
    static boolean waitsForDowntime(JsonNode m) {
        return m.path("phase").asText().equals("REQUESTED") && m.path("code").asText().equals("MIN_AVAILABLE");
    }

    /** One line for a migration: who, where, phase, and while copying the bytes, rate and time left. */
    static String progress(JsonNode m) {
        StringBuilder b = new StringBuilder();
        b.append(m.path("id").asText()).append(' ').append(m.path("vm").asText()).append(' ')
                .append(m.path("source").asText()).append(" → ").append(m.path("destination").asText("?")).append("  ")
                .append(m.path("phase").asText());
        if (m.path("phase").asText().equals("COPYING")) {
            long done = m.path("bytesDone").asLong();
            long total = m.path("bytesTotal").asLong();
            b.append("  attempt ").append(m.path("attempt").asInt()).append("  ").append(bytes(done)).append(" / ").append(bytes(total));
            if (total > 0) {
                b.append(String.format(Locale.ROOT, "  %d%%", Math.min(100, done * 100 / total)));
            }
            b.append("  ").append(bytes((long) m.path("rateBytesPerSecond").asDouble())).append("/s");
            if (m.has("etaSeconds")) {
                b.append(String.format(Locale.ROOT, "  ETA %.0f s", m.path("etaSeconds").asDouble()));
            }
        } else if (!m.path("note").asText().isEmpty()) {
            b.append("  ").append(m.path("note").asText().replace('\n', ' '));
        }
        return b.toString();
    }

    /**
     * Follows migrations until each has ended, or waits for downtime to be allowed while nothing else
     * moves, printing a line whenever one changes (copy progress at most once a second).
     */
    /**
     * As {@link #following}; interrupted (Ctrl-C, SIGTERM, or the thread interrupted), it says how
     * to follow the same moves again: they go on in the manager whatever happens to this command.
     */
    static Map<String, JsonNode> follow(FederaCli cli, PrintWriter out, PrintWriter err, List<String> ids, int timeoutSeconds,
                                        long t0) throws Exception {
        String again = "federa: interrupted; the moves go on in the manager. Follow them again with: federa migrations --follow "
                + String.join(",", ids);
        Thread hook = new Thread(() -> {
            err.println();
            err.println(again);
            err.flush();
        }, "federa-reattach-hint");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return following(cli, out, ids, timeoutSeconds, t0);
        } catch (InterruptedException e) {
            throw new FederaCli.CliException(again.substring("federa: ".length()), "", 130);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is stopping (Ctrl-C): the hook is running and says how to follow again.
            }
        }
    }

    static Map<String, JsonNode> following(FederaCli cli, PrintWriter out, List<String> ids, int timeoutSeconds, long t0)
            throws Exception {
        Map<String, String> shown = new HashMap<>();
        Map<String, Long> shownAt = new HashMap<>();
        Map<String, JsonNode> last = new LinkedHashMap<>();
        long deadline = t0 + timeoutSeconds * 1_000_000_000L;
        while (true) {
            boolean all = true;
            for (String id : ids) {
                JsonNode m = last.get(id);
                if (m != null && finished(m)) {
                    continue;
                }
                m = cli.call("GET", "/migrations/" + FederaCli.encode(id), null, null);
                last.put(id, m);
                String line = progress(m);
                String phase = m.path("phase").asText();
                boolean phaseChanged = !shown.containsKey(id) || !shown.get(id).startsWith(phaseKey(m));
                long now = System.nanoTime();
                if (!line.equals(shown.get(id)) && (phaseChanged || now - shownAt.getOrDefault(id, 0L) >= 1_000_000_000L)) {
                    out.println(String.format(Locale.ROOT, "  %+7.2f s  %s", (now - t0) / 1e9, line));
                    out.flush();
                    shown.put(id, line);
                    shownAt.put(id, now);
                }
                if (!finished(m)) {
                    all = false;
                }
            }
            if (all || last.values().stream().allMatch(m -> finished(m) || waitsForDowntime(m))) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                List<String> open = new ArrayList<>();
                last.values().stream().filter(m -> !finished(m)).forEach(m -> open.add(progress(m)));
                throw new FederaCli.CliException("still migrating after " + timeoutSeconds + " s (the migrations go on; "
                        + "follow them with federa migrations): " + String.join("; ", open));
            }
            Thread.sleep(250);
        }
    }

    private static String phaseKey(JsonNode m) {
        return m.path("id").asText() + ' ' + m.path("vm").asText() + ' ' + m.path("source").asText() + " → "
                + m.path("destination").asText("?") + "  " + m.path("phase").asText();
    }

    @Command(name = "migrate", description = "Move a VM with its data to another host (placement chooses, or --to), following its progress.")
    static final class Migrate extends FederaCli.Sub {
        @Parameters(paramLabel = "VM")
        String vm;

        @Option(names = "--to", paramLabel = "HOST", description = "the destination; checked by the placement rules")
        String to;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "stop following after this long (default 3600)")
        int timeoutSeconds = 3600;

        @Option(names = "--no-wait", description = "ask, and return without following it")
        boolean noWait;

        @Option(names = "--allow-downtime", description = "move it even if that takes its application below minAvailable "
                + "(also lets a move of it that waits for this go ahead)")
        boolean allowDowntime;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            ObjectNode body = FederaCli.JSON.createObjectNode().put("vm", vm);
            if (to != null) {
                body.put("to", to);
            }
            if (allowDowntime) {
                body.put("allowDowntime", true);
            }
            JsonNode asked = cli.call("POST", "/migrations", body.toString(), "application/json");
            if (cli.machine() || noWait) {
                cli.print(out(), asked, List.of(), List.of());
                return 0;
            }
            String id = asked.path("id").asText();
            out().println(id + ": moving " + vm + " from " + asked.path("source").asText()
                    + (to == null ? " (placement chooses the destination)" : " to " + to));
            JsonNode end = follow(cli, out(), spec.commandLine().getErr(), List.of(id), timeoutSeconds, t0).get(id);
            return endOfMove(out(), end, t0);
        }
    }

    /** How a move ended, said, and as the exit code: 0 done, 4 waiting for downtime to be allowed, 1 otherwise. */
    static int endOfMove(PrintWriter out, JsonNode end, long t0) throws FederaCli.CliException {
        String id = end.path("id").asText();
        if (waitsForDowntime(end)) {
            throw new FederaCli.CliException(id + " waits: " + end.path("note").asText().replaceFirst("^waiting: ", "")
                    + "; federa migrate " + end.path("vm").asText() + " --allow-downtime moves it", "", FederaCli.EXIT_WAITING);
        }
        String summary = String.format(Locale.ROOT, "%s: %s after %.1f s: %s", id, end.path("phase").asText(),
                (System.nanoTime() - t0) / 1e9, end.path("note").asText());
        if (end.path("phase").asText().equals("DONE")) {
            out.println(summary + (end.has("sha256") ? " (" + bytes(end.path("bytesDone").asLong()) + " copied, sha256 "
                    + end.path("sha256").asText() + ")" : ""));
            return 0;
        }
        throw new FederaCli.CliException(summary);
    }

    @Command(name = "drain", description = "Cordon a host and move every VM Federa placed there, keeping services up where replicas allow.")
    static final class Drain extends FederaCli.Sub {
        @Parameters(paramLabel = "HOST")
        String host;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "stop following after this long (default 3600)")
        int timeoutSeconds = 3600;

        @Option(names = "--no-wait", description = "ask, and return without following the moves")
        boolean noWait;

        @Option(names = "--allow-downtime", description = "also make the moves that take an application below minAvailable "
                + "(a single-instance application is down while it moves)")
        boolean allowDowntime;

        @Override
        public Integer call() throws Exception {
            long t0 = System.nanoTime();
            JsonNode asked = cli.call("POST", "/hosts/" + FederaCli.encode(host) + "/drain"
                    + (allowDowntime ? "?allowDowntime=true" : ""), "", "application/json");
            if (cli.machine() || noWait) {
                cli.print(out(), asked, List.of(), List.of());
                return 0;
            }
            List<String> ids = new ArrayList<>();
            out().println(host + " cordoned; " + asked.path("queued").size() + " moves queued, in this order:");
            for (JsonNode m : asked.path("queued")) {
                ids.add(m.path("id").asText());
                out().println("  " + m.path("id").asText() + "  " + m.path("vm").asText() + " (" + m.path("service").asText()
                        + "/" + m.path("application").asText() + ")");
            }
            for (JsonNode w : asked.path("waiting")) {
                out().println("  waits: " + w.path("vm").asText() + " (" + w.path("service").asText() + "/"
                        + w.path("application").asText() + ") " + w.path("code").asText() + ": " + w.path("why").asText());
            }
            for (JsonNode l : asked.path("left")) {
                out().println("  left: " + l.asText());
            }
            Map<String, JsonNode> end = follow(cli, out(), spec.commandLine().getErr(), ids, timeoutSeconds, t0);
            return endOfDrain(out(), host, end, asked.path("left").size(), t0);
        }
    }

    /**
     * How a drain's moves ended, said, and as the exit code: 0 all moved, 4 some wait for downtime
     * to be allowed (and none failed), 1 some did not move.
     */
    static int endOfDrain(PrintWriter out, String host, Map<String, JsonNode> end, int left, long t0)
            throws FederaCli.CliException {
            long moved = end.values().stream().filter(m -> m.path("phase").asText().equals("DONE")).count();
            List<String> back = new ArrayList<>();
            List<String> waiting = new ArrayList<>();
            for (JsonNode m : end.values()) {
                if (waitsForDowntime(m)) {
                    waiting.add(m.path("vm").asText() + " (" + m.path("application").asText() + "): "
                            + m.path("note").asText().replaceFirst("^waiting: ", ""));
                } else if (!m.path("phase").asText().equals("DONE")) {
                    back.add(m.path("vm").asText() + ": " + m.path("phase").asText() + ", " + m.path("note").asText());
                }
            }
            String summary = String.format(Locale.ROOT, "%s %s after %.1f s: %d moved, %d not moved, %d waiting, %d left", host,
                    waiting.isEmpty() ? "drained" : "not drained", (System.nanoTime() - t0) / 1e9, moved, back.size(),
                    waiting.size(), left);
            if (back.isEmpty() && waiting.isEmpty()) {
                out.println(summary);
                return 0;
            }
            if (back.isEmpty()) {
                out.println(summary + "; " + host + " stays cordoned, and these moves wait for downtime to be allowed:");
                waiting.forEach(w -> out.println("  " + w));
                throw new FederaCli.CliException(host + " not drained: " + waiting.size() + " moves wait for downtime to be allowed "
                        + "(federa drain " + host + " --allow-downtime makes them)", "", FederaCli.EXIT_WAITING);
            }
            throw new FederaCli.CliException(summary + " (" + String.join("; ", back)
                    + (waiting.isEmpty() ? "" : "; waiting: " + String.join("; ", waiting)) + ")");
    }

    @Command(name = "migrations", description = "List the migrations in flight and the latest finished ones, with phase and reason.")
    static final class Migrations extends FederaCli.Sub {
        @picocli.CommandLine.Mixin
        Filters.Host host;
        @picocli.CommandLine.Mixin
        Filters.Service service;
        @picocli.CommandLine.Mixin
        Filters.State state;
        @picocli.CommandLine.Mixin
        FederaCli.Watch watch;

        @Option(names = "--follow", paramLabel = "ID|HOST", split = ",", description = "follow these moves until they end, "
                + "as federa migrate or drain does (same output, same exit code): migration ids (m-3,m-4), or a host: "
                + "its drain in flight, or how its last drain ended")
        List<String> follow;

        @Option(names = "--timeout", paramLabel = "SECONDS", description = "with --follow, stop following after this long "
                + "(default 3600)")
        int timeoutSeconds = 3600;

        @Override
        public Integer call() throws Exception {
            if (follow != null) {
                return reattach();
            }
            java.util.function.Predicate<JsonNode> keep = Filters.named(host.value, "source", "destination")
                    .and(Filters.named(service.value, "service"))
                    .and(Filters.state(state.value, "phase", Filters.MIGRATION_PHASES));
            return watching(watch, () -> {
                JsonNode n = Filters.keep(cli.call("GET", "/migrations", null, null), "migrations", keep);
                List<List<String>> rows = new ArrayList<>();
                for (JsonNode m : n.path("migrations")) {
                    String bytes = m.path("bytesTotal").asLong() > 0 || m.path("bytesDone").asLong() > 0
                            ? bytes(m.path("bytesDone").asLong()) + " / " + bytes(m.path("bytesTotal").asLong()) : "-";
                    rows.add(List.of(m.path("id").asText(), m.path("vm").asText(), m.path("source").asText(),
                            m.path("destination").asText("-"), m.path("phase").asText(), bytes,
                            java.time.Instant.ofEpochMilli(m.path("requestedAtMillis").asLong()).toString(),
                            m.path("service").asText() + "/" + m.path("application").asText(), m.path("requestedBy").asText(),
                            m.path("drain").asText("-"), Integer.toString(m.path("attempt").asInt()), m.path("note").asText()));
                }
                cli.table(out(), n, List.of(Table.Column.of("ID"), Table.Column.of("VM"), Table.Column.of("FROM"),
                        Table.Column.of("TO"), Table.Column.of("PHASE"), Table.Column.of("COPIED"), Table.Column.of("REQUESTED"),
                        Table.Column.wide("SERVICE/APPLICATION"), Table.Column.wide("BY"), Table.Column.wide("DRAIN OF"),
                        Table.Column.wide("ATTEMPT"), Table.Column.prose("NOTE")), rows);
                return 0;
            });
        }

        /**
         * Follows moves asked earlier: a migration id as it is; a host as the moves of its drain
         * still in flight. One move that is no drain's ends as federa migrate does, the others
         * as federa drain of their host.
         */
        private int reattach() throws Exception {
            long t0 = System.nanoTime();
            if (watch.on) {
                throw new FederaCli.CliException("--follow and --watch do not go together: --follow prints each change as it "
                        + "happens", "", 2);
            }
            List<String> ids = new ArrayList<>();
            JsonNode all = null;
            for (String f : follow) {
                if (f.matches("m-[0-9]+")) {
                    ids.add(f);
                    continue;
                }
                if (all == null) {
                    all = cli.call("GET", "/migrations", null, null);
                }
                List<String> inFlight = new ArrayList<>();
                List<String> ended = new ArrayList<>();
                all.path("migrations").forEach(m -> {
                    if (m.path("drain").asText().equals(f)) {
                        (finished(m) ? ended : inFlight).add(m.path("id").asText());
                    }
                });
                if (inFlight.isEmpty() && ended.isEmpty()) {
                    throw new FederaCli.CliException("no drain of " + f + " is in flight or among the latest moves (and " + f
                            + " is not a migration id such as m-3); federa migrations --host " + f + " lists its moves");
                }
                if (inFlight.isEmpty()) {
                    // Re-attached after the drain ended (the command was interrupted, or the manager
                    // restarted and finished it): say how it ended, as the drain would have.
                    out().println("no drain of " + f + " is in flight; its moves ended:");
                }
                ids.addAll(inFlight.isEmpty() ? ended : inFlight);
            }
            ids = List.copyOf(new java.util.LinkedHashSet<>(ids));
            if (cli.machine()) {
                throw new FederaCli.CliException("--follow prints for people; federa migrations -o json lists the moves", "", 2);
            }
            out().println("following " + String.join(", ", ids) + ":");
            Map<String, JsonNode> end = follow(cli, out(), spec.commandLine().getErr(), ids, timeoutSeconds, t0);
            java.util.Set<String> drains = new java.util.TreeSet<>();
            end.values().forEach(m -> drains.add(m.path("drain").asText("")));
            if (end.size() == 1 && drains.equals(java.util.Set.of(""))) {
                return endOfMove(out(), end.values().iterator().next(), t0);
            }
            return endOfDrain(out(), drains.size() == 1 && !drains.contains("") ? drains.iterator().next()
                    : String.join(", ", ids), end, 0, t0);
        }
    }
}
