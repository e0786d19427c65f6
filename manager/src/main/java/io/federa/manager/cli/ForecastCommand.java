package io.federa.manager.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code federa forecast [--by host|site] [KEY] [-o table|csv|json]}: when each host or site may
 * run out of CPU, storage or network (docs/cost.md, "Forecasts"), from {@code GET
 * /api/v1/forecast}. With a key, that host's or site's forecast hour by hour.
 */
@Command(name = "forecast", description = "When each host or site may run out of CPU, storage or network: its use now, "
        + "its capacity, the highest it may reach within 14 days and when it may be full (80 % upper bound).")
final class ForecastCommand extends FederaCli.Sub {
    @Option(names = "--by", paramLabel = "GROUPING", description = "host (default) or site")
    String by = "host";

    @Parameters(arity = "0..1", paramLabel = "KEY", description = "one host or site: its forecast hour by hour")
    String key;

    @Override
    public Integer call() throws Exception {
        JsonNode n = cli.call("GET", "/forecast?by=" + FederaCli.encode(by) + (key == null ? "" : "&key=" + FederaCli.encode(key)),
                null, null);
        PrintWriter out = out();
        String scope = n.path("by").asText();
        List<String> headers;
        List<List<String>> rows = new ArrayList<>();
        if (key == null) {
            headers = List.of(scope.toUpperCase(Locale.ROOT), "RESOURCE", "NOW", "CAPACITY", "PEAK IN 14 D", "FULL IN");
            for (JsonNode f : n.path("forecasts")) {
                String unit = " " + f.path("unit").asText();
                rows.add(List.of(f.path(scope).asText(), f.path("resource").asText(), fixed(f.path("now")) + unit,
                        fixed(f.path("capacity")) + unit, fixed(f.path("peak80")) + unit, fullIn(f.path("fullInSeconds"))));
            }
        } else {
            headers = List.of("HOUR", "RESOURCE", "POINT", "80 % FROM", "80 % TO", "95 % FROM", "95 % TO", "UNIT");
            for (JsonNode f : n.path("forecasts")) {
                for (JsonNode p : f.path("points")) {
                    rows.add(List.of(p.path("at").asText(), f.path("resource").asText(), fixed(p.path("point")),
                            fixed(p.path("lower80")), fixed(p.path("upper80")), fixed(p.path("lower95")),
                            fixed(p.path("upper95")), f.path("unit").asText()));
                }
            }
        }
        if (!cli.machine() && cli.output != FederaCli.Format.csv && n.path("forecasts").isEmpty()) {
            out.println("no forecast yet: a " + scope + " needs 12 hours of stored usage, and forecasts are made each hour");
            return 0;
        }
        cli.print(out, n, headers, rows);
        return 0;
    }

    private static String fixed(JsonNode v) {
        if (!v.isNumber()) {
            return "-";
        }
        double d = v.asDouble();
        return String.format(Locale.ROOT, Math.abs(d) >= 100 ? "%.0f" : "%.2f", d);
    }

    /** 3d 4h, 5h, or "not within 14 d". */
    static String fullIn(JsonNode seconds) {
        if (!seconds.isNumber()) {
            return "not within 14 d";
        }
        long s = seconds.asLong();
        long days = s / 86_400;
        long hours = (s % 86_400) / 3_600;
        return days > 0 ? days + "d " + hours + "h" : hours + "h";
    }
}
