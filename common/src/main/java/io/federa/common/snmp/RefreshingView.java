package io.federa.common.snmp;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The view that requests are answered from, rebuilt from the program's latest state without
 * keeping a station waiting: a view younger than {@code refreshNanos} answers as it is; an older
 * one still answers while its successor is built in the background (one build at a time); only a
 * view older than {@code staleNanos} (nobody asked for that long) is rebuilt before the answer. So
 * a station reads data at most {@code staleNanos} old, a station that polls often never waits for a
 * build, and a program nobody polls builds nothing.
 */
public final class RefreshingView {
    private static final Logger LOG = LoggerFactory.getLogger(RefreshingView.class);

    private final UnaryOperator<OidView> build;
    private final LongSupplier nanoClock;
    private final long refreshNanos;
    private final long staleNanos;
    private final Executor background;
    private OidView view;
    /** When the state that {@link #view} shows was read. */
    private long readAtNanos;
    private boolean building;

    /**
     * @param build the next view from the latest state, given the last view (null at first), whose
     *              parts it may reuse; called on the requesting thread or on {@code background}
     */
    public RefreshingView(UnaryOperator<OidView> build, LongSupplier nanoClock, long refreshNanos, long staleNanos,
                          Executor background) {
        if (refreshNanos <= 0 || staleNanos < refreshNanos) {
            throw new IllegalArgumentException("refresh " + refreshNanos + " ns and stale " + staleNanos
                    + " ns: refresh must be positive and no longer than stale");
        }
        this.build = build;
        this.nanoClock = nanoClock;
        this.refreshNanos = refreshNanos;
        this.staleNanos = staleNanos;
        this.background = background;
    }

    /** The view to answer a request from. */
    public synchronized OidView get() {
        long now = nanoClock.getAsLong();
        if (view != null && now - readAtNanos < staleNanos) {
            if (now - readAtNanos >= refreshNanos && !building) {
                building = true;
                try {
                    background.execute(this::rebuild);
                } catch (RejectedExecutionException stopped) {
                    building = false;
                }
            }
            return view;
        }
        view = build.apply(view);
        readAtNanos = now;
        return view;
    }

    private void rebuild() {
        OidView previous;
        synchronized (this) {
            previous = view;
        }
        long readAt = nanoClock.getAsLong();
        try {
            OidView next = build.apply(previous);
            synchronized (this) {
                // A request that found the view too old may have built a fresher one meanwhile.
                if (readAt - readAtNanos > 0) {
                    view = next;
                    readAtNanos = readAt;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("SNMP: the view could not be rebuilt; requests are answered from the last one until one rebuilds it: " + e, e);
        } finally {
            synchronized (this) {
                building = false;
            }
        }
    }
}
