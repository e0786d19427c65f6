package io.federa.manager.core.cost;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Sums intervals into buckets of {@code bucketMillis} (a minute, for the store), per host and
 * application, with one idle line per host: an interval counts whole in the bucket where it ends
 * (intervals are a second or so; a bucket a minute or more). A gap is recorded on the idle line of
 * the bucket where it ends, with no cost.
 *
 * <p>Not thread-safe: one caller (the cost verticle).
 */
public final class Ledger {
    private final long bucketMillis;
    private final Map<CostLine.Key, CostLine> open = new HashMap<>();
    private final Map<SpanKey, Span> spans = new HashMap<>();

    /**
     * What a host's lines of one bucket account for: from the start of its first interval (metered
     * or gap) that ends in the bucket to the end of its last. Between two buckets' spans of a host
     * nothing was left out; before its first, nothing is known here.
     */
    public record Span(String host, long bucketMillis, long fromMillis, long throughMillis) {
        Span with(HostInterval i) {
            return new Span(host, bucketMillis, Math.min(fromMillis, i.startMillis()), Math.max(throughMillis, i.endMillis()));
        }
    }

    /** The lines of the buckets closed, oldest first, and each host's span in each of them. */
    public record Closed(List<CostLine> lines, List<Span> spans) {
    }

    private record SpanKey(long bucketMillis, String host) {
    }

    public Ledger(long bucketMillis) {
        if (bucketMillis <= 0) {
            throw new IllegalArgumentException("a bucket must be positive, got " + bucketMillis + " ms");
        }
        this.bucketMillis = bucketMillis;
    }

    public static long bucket(long millis, long bucketMillis) {
        return Math.floorDiv(millis, bucketMillis) * bucketMillis;
    }

    public void add(HostInterval i) {
        if (i.kind() == HostInterval.Kind.FIRST) {
            return;
        }
        long b = bucket(i.endMillis(), bucketMillis);
        spans.merge(new SpanKey(b, i.host()), new Span(i.host(), b, i.startMillis(), i.endMillis()), (was, x) -> was.with(i));
        String currency = i.rates().currency();
        if (i.kind() == HostInterval.Kind.GAP) {
            merge(new CostLine(b, i.host(), i.site(), CostLine.IDLE, currency, Usage.ZERO, 0, i.millis()));
            return;
        }
        for (VmUsage v : i.vms()) {
            if (v.counted() != VmUsage.Counted.FIRST) {
                merge(new CostLine(b, i.host(), i.site(),
                        v.application().isEmpty() ? CostLine.NO_APPLICATION : v.application(), currency, v.usage(), i.cost(v), 0));
            }
        }
        merge(new CostLine(b, i.host(), i.site(), CostLine.IDLE, currency, Usage.ZERO, i.idleCost(), 0));
    }

    private void merge(CostLine l) {
        open.merge(l.key(), l, CostLine::plus);
    }

    /** Takes out the lines of every bucket that ends at or before {@code millis}, oldest first. */
    public List<CostLine> closeBefore(long millis) {
        return close(millis).lines();
    }

    /**
     * Takes out the lines and spans of every bucket that ends at or before {@code millis}: lines
     * sorted by bucket, host and application (a host's lines of one bucket are together), spans by
     * bucket and host.
     */
    public Closed close(long millis) {
        List<CostLine> out = new ArrayList<>();
        for (Iterator<CostLine> it = open.values().iterator(); it.hasNext(); ) {
            CostLine l = it.next();
            if (l.bucketMillis() + bucketMillis <= millis) {
                out.add(l);
                it.remove();
            }
        }
        out.sort(Comparator.comparingLong(CostLine::bucketMillis).thenComparing(CostLine::host)
                .thenComparing(CostLine::application));
        List<Span> closed = new ArrayList<>();
        for (Iterator<Span> it = spans.values().iterator(); it.hasNext(); ) {
            Span sp = it.next();
            if (sp.bucketMillis() + bucketMillis <= millis) {
                closed.add(sp);
                it.remove();
            }
        }
        closed.sort(Comparator.comparingLong(Span::bucketMillis).thenComparing(Span::host));
        return new Closed(out, closed);
    }

    /** Every line still open (the current bucket), without taking them out. */
    public List<CostLine> open() {
        return List.copyOf(open.values());
    }

    /** Lines in buckets of {@code step}, summed per key: minutes into hours, hours into days. */
    public static List<CostLine> rollUp(List<CostLine> lines, long step) {
        Map<CostLine.Key, CostLine> out = new HashMap<>();
        for (CostLine l : lines) {
            CostLine c = l.in(bucket(l.bucketMillis(), step));
            out.merge(c.key(), c, CostLine::plus);
        }
        List<CostLine> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparingLong(CostLine::bucketMillis).thenComparing(CostLine::host)
                .thenComparing(CostLine::application));
        return sorted;
    }
}
