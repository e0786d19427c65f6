package io.federa.manager.core.cost;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What is being spent now, per second: over each host's latest interval, what its VMs cost and
 * what it has idle, grouped as the bill groups them. Key → currency → per second.
 *
 * @param services     per service, a shared application split as billed; idle capacity as {@value Attribution#IDLE}
 * @param applications per application, whole (not split); idle capacity as {@value Attribution#IDLE}
 * @param idleByHost   per host, what its capacity nobody uses costs
 */
public record Spending(Map<String, Map<String, Double>> services, Map<String, Map<String, Double>> applications,
                       Map<String, Map<String, Double>> idleByHost) {
    public static final Spending NONE = new Spending(Map.of(), Map.of(), Map.of());

    public Spending {
        services = Map.copyOf(services);
        applications = Map.copyOf(applications);
        idleByHost = Map.copyOf(idleByHost);
    }

    /** From each host's latest metered interval. */
    public static Spending of(Collection<HostInterval> latest, Shares shares) {
        List<CostLine> lines = new ArrayList<>();
        for (HostInterval i : latest) {
            if (i.kind() != HostInterval.Kind.METERED) {
                continue;
            }
            Ledger one = new Ledger(Long.MAX_VALUE / 4);
            one.add(i);
            double seconds = Math.max(1, i.millis()) / 1000.0;
            for (CostLine l : one.open()) {
                lines.add(new CostLine(0, l.host(), l.site(), l.application(), l.currency(), l.usage(), l.cost() / seconds,
                        l.gapMillis()));
            }
        }
        Map<String, Map<String, Double>> idle = new TreeMap<>();
        for (Attribution.Row r : Attribution.of(lines, Attribution.By.HOST, shares, Long.MAX_VALUE / 4).rows()) {
            idle.computeIfAbsent(r.key(), k -> new TreeMap<>()).merge(r.currency(), r.idleCost(), Double::sum);
        }
        return new Spending(by(lines, Attribution.By.SERVICE, shares), by(lines, Attribution.By.APPLICATION, shares), idle);
    }

    private static Map<String, Map<String, Double>> by(List<CostLine> lines, Attribution.By by, Shares shares) {
        Map<String, Map<String, Double>> out = new TreeMap<>();
        for (Attribution.Row r : Attribution.of(lines, by, shares, Long.MAX_VALUE / 4).rows()) {
            out.computeIfAbsent(r.key(), k -> new TreeMap<>()).merge(r.currency(), r.cost(), Double::sum);
        }
        return out;
    }
}
