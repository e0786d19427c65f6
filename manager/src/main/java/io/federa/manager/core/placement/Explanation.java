package io.federa.manager.core.placement;

import java.util.List;
import java.util.Locale;

/**
 * Placement outcomes in words, as {@code federa explain} prints them. For a placed instance, its
 * host, its score and the runner-up with what it lost on:
 *
 * <pre>
 * web-2 → host-2: cost 4.6278 EUR/h, fit 0.781; runner-up host-1: cost 4.6008 EUR/h, fit 0.512 (lost on fit)
 * </pre>
 *
 * For one that is not placed, every host and every reason it was refused:
 *
 * <pre>
 * reports-1 (reports): not placed, no host fits
 *   host-1  INSUFFICIENT_MEMORY: needs 4096 MiB, 1024 MiB free of 65536 MiB
 *   host-3  RUNTIME_NOT_OFFERED: kvm not in [lxc]
 * </pre>
 */
public final class Explanation {
    private Explanation() {
    }

    public static String of(PlacementPlan plan) {
        StringBuilder b = new StringBuilder();
        for (Outcome o : plan.outcomes()) {
            b.append(of(o));
        }
        return b.toString();
    }

    public static String of(Outcome outcome) {
        StringBuilder b = new StringBuilder();
        if (outcome instanceof Outcome.Fits f) {
            b.append(f.instance()).append(" → ").append(f.host()).append(": ").append(score(f.score()));
            if (f.runnerUp().isPresent()) {
                Outcome.RunnerUp r = f.runnerUp().get();
                b.append("; runner-up ").append(r.host()).append(": ").append(score(r.score()))
                        .append(" (lost on ").append(r.lostOn()).append(")");
            } else {
                b.append("; no other host fits");
            }
            b.append('\n');
        } else if (outcome instanceof Outcome.Unschedulable u) {
            b.append(u.instance()).append(" (").append(u.application()).append("): not placed, ")
                    .append(u.hosts().isEmpty() ? "no host in the inventory" : "no host fits").append('\n');
            hosts(b, u.hosts());
        } else if (outcome instanceof Outcome.Unresolvable u) {
            b.append(u.instance()).append(" (").append(u.application()).append("): cannot be placed: ")
                    .append(u.why()).append('\n');
        }
        return b.toString();
    }

    /** Every host's verdict, as {@link Placement#explain} gives them. */
    public static String of(List<HostVerdict> verdicts) {
        StringBuilder b = new StringBuilder();
        int width = verdicts.stream().mapToInt(v -> v.host().length()).max().orElse(0);
        for (HostVerdict v : verdicts) {
            if (v.fits()) {
                b.append("  ").append(pad(v.host(), width)).append("  fits: ").append(score(v.score().orElseThrow()))
                        .append('\n');
            } else {
                line(b, v.host(), width, v.refusals());
            }
        }
        return b.toString();
    }

    private static void hosts(StringBuilder b, List<HostRefusals> hosts) {
        int width = hosts.stream().mapToInt(h -> h.host().length()).max().orElse(0);
        for (HostRefusals h : hosts) {
            line(b, h.host(), width, h.refusals());
        }
    }

    private static void line(StringBuilder b, String host, int width, List<Refusal> refusals) {
        for (int k = 0; k < refusals.size(); k++) {
            b.append("  ").append(pad(k == 0 ? host : "", width)).append("  ").append(refusals.get(k)).append('\n');
        }
    }

    static String score(Score s) {
        return String.format(Locale.ROOT, "cost %.4f%s/h, fit %.3f", s.costPerHour(),
                s.currency().isEmpty() ? "" : " " + s.currency(), s.fit());
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
