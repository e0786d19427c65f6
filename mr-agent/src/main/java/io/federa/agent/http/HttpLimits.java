package io.federa.agent.http;

import io.federa.common.http.ListenerLimits;

import java.time.Duration;

/**
 * The agent's bounds: those of every HTTP listener ({@link #DEFAULT}) and those of what Jolokia and
 * the data transfers may ask of it (docs/agent.md, "Limits on every listener").
 */
public final class HttpLimits {

    private HttpLimits() {
    }

    /** The agent's limits. Polls arrive once a second on one kept-alive connection per manager. */
    public static final ListenerLimits DEFAULT = new ListenerLimits(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(60), 64, 8192, 8 * 1024);

    /** The Jolokia body: a poll is a few hundred bytes, a define command a few KiB. */
    public static final int JOLOKIA_MAX_BODY_BYTES = 1024 * 1024;

    /** Requests in one Jolokia bulk request: a poll has two. */
    public static final int JOLOKIA_MAX_BULK_ITEMS = 64;

    /**
     * The Jolokia answer: the items of a bulk request are answered one after another, and those
     * past this size are answered with an error instead. The manager accepts 64 MiB; a poll of
     * 1,000 VMs is about 1 MiB.
     */
    public static final int JOLOKIA_MAX_ANSWER_BYTES = 32 * 1024 * 1024;

    /** Values Jolokia serializes for one item (its own {@code maxObjects}). */
    public static final int JOLOKIA_MAX_OBJECTS_PER_ITEM = 500_000;

    /** Jolokia requests carried out at once (JMX work, on worker threads), and waiting beyond them. */
    public static final int JOLOKIA_THREADS = 4;
    public static final int JOLOKIA_MAX_WAITING = 64;

    /**
     * Bulk requests of more items than this are large: they run on threads of their own, so that
     * a poll (two items) never waits behind them.
     */
    public static final int JOLOKIA_LARGE_BULK_ITEMS = 8;
    public static final int JOLOKIA_LARGE_THREADS = 2;
    public static final int JOLOKIA_LARGE_MAX_WAITING = 16;

    /** Transfers of VM data served at once, and waiting beyond them. */
    public static final int DATA_THREADS = 4;
    public static final int DATA_MAX_WAITING = 16;

    /** A transfer whose receiver takes nothing for this long is cut. */
    public static final Duration DATA_STALL_TIMEOUT = Duration.ofSeconds(60);
}
