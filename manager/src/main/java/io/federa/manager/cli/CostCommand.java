package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code federa cost --by service|application|host|site --since 30d [--step 1d] -o table|csv|json}:
 * what was spent (docs/cost.md), from {@code GET /api/v1/cost}. Without {@code --step}, one line
 * per key for the whole period; with it, one per key and step. Every figure with its unit, money
 * with its currency; the last lines are the bill of each currency, which closes.
 */
@Command(name = "cost", description = "What was spent: by service, application, host or site, per step or in all, "
        + "with the bill of each currency (the applications plus idle make the hosts' cost).")
final class CostCommand extends FederaCli.Sub {
    @Option(names = "--by", paramLabel = "GROUPING", description = "service (default), application, host or site")
    String by = "service";

    @Option(names = "--since", paramLabel = "WHEN", description = "an instant (2026-11-28T04:00:00Z) or a duration back: "
            + "90m, 12h, 30d (default 30d); the period starts at the step that holds it (UTC)")
    String since = "30d";

    @Option(names = "--step", paramLabel = "STEP", description = "one line per key and step: 1m, 1h, 1d (default: none, "
            + "one line per key for the whole period)")
    String step;

    @Override
    public Integer call() throws Exception {
        // Without --step the API picks the step from --since (30d → 1d, 12h → 1h), as for any client.
        JsonNode n = cli.call("GET", "/cost?by=" + FederaCli.encode(by) + "&since=" + FederaCli.encode(since)
                + (step == null ? "" : "&step=" + FederaCli.encode(step)), null, null);
        PrintWriter out = out();
        boolean perStep = step != null;
        List<String> headers = new ArrayList<>(List.of(n.path("by").asText().toUpperCase(Locale.ROOT)));
        if (perStep) {
            headers.add("START");
        }
        headers.addAll(List.of("COST", "CURRENCY", "CPU (s)", "STORAGE (GiB-h)", "SENT (bytes)", "SENT (packets)",
                "IDLE COST", "GAPS (s)"));
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode r : n.path(perStep ? "rows" : "totals")) {
            List<String> row = new ArrayList<>(List.of(r.path("key").asText()));
            if (perStep) {
                row.add(r.path("start").asText());
            }
            row.addAll(List.of(money(r.path("cost")), r.path("currency").asText(), fixed(r.path("cpuSeconds"), 1),
                    fixed(r.path("storageGiBHours"), 3), fixed(r.path("bytesSent"), 0), fixed(r.path("packetsSent"), 0),
                    money(r.path("idleCost")), fixed(r.path("gapSeconds"), 0)));
            rows.add(row);
        }
        if (cli.machine() || cli.output == FederaCli.Format.csv) {
            cli.print(out, n, headers, rows);
            return 0;
        }
        out.println("cost by " + n.path("by").asText() + " from " + n.path("from").asText() + " to " + n.path("to").asText()
                + (perStep ? " per " + n.path("step").asText() : ""));
        cli.print(out, n, headers, rows);
        for (JsonNode b : n.path("bill")) {
            String c = b.path("currency").asText();
            out.println("bill " + c + ": applications " + money(b.path("applications")) + " " + c + " + idle "
                    + money(b.path("idle")) + " " + c + " = hosts " + money(b.path("hosts")) + " " + c);
        }
        return 0;
    }

    /** Money to the hundredth of a cent: rates per CPU-second make small sums. */
    private static String money(JsonNode v) {
        return fixed(v, 4);
    }

    private static String fixed(JsonNode v, int decimals) {
        return v.isNumber() ? String.format(Locale.ROOT, "%." + decimals + "f", v.asDouble()) : "-";
    }
}
