package io.federa.manager.cluster;

import io.federa.common.clock.WallClock;
import io.federa.manager.core.lease.Standing;
import io.federa.manager.store.LeadershipStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes and keeps the lead among the managers that share the store ({@link LeadershipStore}),
 * and says where this manager stands whenever that changes. Renews its claim three times per
 * claim; a leader that has not renewed for a claim less the clock skew steps down on its own,
 * whether or not the store answers, so that it stops acting before another manager may take
 * the lead. Tells its listeners of every change, on this verticle's context.
 */
public final class LeadershipVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(LeadershipVerticle.class);

    private final LeadershipStore store;
    private final String name;
    private final Supplier<String> url;
    private final long ttlMillis;
    private final long skewMillis;
    private final IntSupplier agentsReachable;
    private final int agents;
    private final List<Consumer<Standing>> listeners = new CopyOnWriteArrayList<>();
    private volatile Standing standing = Standing.NONE;
    private volatile int membersAlive;
    private volatile long renewedAtMillis;
    private long timer;
    private long stepDown = -1;
    private boolean asking;

    /**
     * @param url             where this manager's API answers (asked at each renewal: the port may be known late)
     * @param agentsReachable how many agents answer this manager now, for the members' register
     */
    public LeadershipVerticle(LeadershipStore store, String name, Supplier<String> url, long ttlMillis, long skewMillis,
                              IntSupplier agentsReachable, int agents) {
        this.store = store;
        this.name = name;
        this.url = url;
        this.ttlMillis = ttlMillis;
        this.skewMillis = skewMillis;
        this.agentsReachable = agentsReachable;
        this.agents = agents;
    }

    /** Where this manager stands now. */
    public Standing standing() {
        return standing;
    }

    /**
     * Whether this manager may act as the leader at this very moment: it leads, and its last
     * renewal is younger than a claim less the clock skew. Whoever acts checks this, not a flag
     * that a late timer may not have cleared yet.
     */
    public boolean leadsNow() {
        return standing.leading() && WallClock.millis() - renewedAtMillis < ttlMillis - skewMillis;
    }

    /** Managers heard from within three claims, this one included, as of the last renewal. */
    public int membersAlive() {
        return membersAlive;
    }

    /** How long a claim to lead holds unless renewed. */
    public long ttlMillis() {
        return ttlMillis;
    }

    /** This manager's name among those that share the store. */
    public String name() {
        return name;
    }

    /** Every manager's last word in the register (blocking read, on a worker). */
    public Future<List<LeadershipStore.Member>> members() {
        return vertx.executeBlocking(store::members);
    }

    /** Told of every change of standing (gaining or losing the lead, another leader), on this verticle's context. */
    public void onChange(Consumer<Standing> listener) {
        listeners.add(listener);
    }

    /**
     * Asks for the lead once before it counts as started (a lone manager leads when it says it is
     * ready), then three times per claim.
     */
    @Override
    public Future<?> start() {
        Future<Void> first = ask();
        timer = vertx.setPeriodic(Math.max(100, ttlMillis / 3), id -> ask());
        return first.recover(e -> Future.succeededFuture());
    }

    private Future<Void> ask() {
        long now = WallClock.millis();
        Standing current = standing;
        // Stepping down needs no store: past its claim less the skew, another manager may lead.
        if (current.leading() && now - renewedAtMillis >= ttlMillis - skewMillis) {
            LOG.warn("could not renew the lead (term " + current.term() + ") in time: stepping down");
            set(new Standing(false, current.term(), "", "", current.expiresMillis()));
        }
        if (asking) {
            return Future.succeededFuture();
        }
        asking = true;
        long held = standing.leading() ? standing.term() : 0;
        String here = url.get();
        return vertx.executeBlocking(() -> {
            Standing s = store.lead(name, here, held, now, ttlMillis, skewMillis);
            store.heartbeat(new LeadershipStore.Member(name, here, now, s.term(), s.leading(), agentsReachable.getAsInt(), agents));
            membersAlive = (int) store.members().stream().filter(m -> now - m.seenAtMillis() <= 3 * ttlMillis).count();
            return s;
        }).onComplete(ar -> {
            asking = false;
            if (ar.failed()) {
                LOG.warn("cannot reach the store to keep the lead: " + ar.cause().getMessage());
                return;
            }
            Standing s = ar.result();
            if (s.leading()) {
                renewedAtMillis = now;
                // Step down on time even if no tick comes before the claim, less the skew, runs out.
                if (stepDown >= 0) {
                    vertx.cancelTimer(stepDown);
                }
                stepDown = vertx.setTimer(Math.max(1, now + ttlMillis - skewMillis - WallClock.millis()), id -> {
                    stepDown = -1;
                    ask();
                });
            }
            set(s);
        }).mapEmpty();
    }

    private void set(Standing s) {
        Standing before = standing;
        standing = s;
        if (before.leading() != s.leading() || before.term() != s.term() || !before.leader().equals(s.leader())) {
            LOG.info(s.leading() ? "leading with term " + s.term() : "following: " + s.describe());
            listeners.forEach(l -> l.accept(s));
        }
    }

    @Override
    public Future<?> stop() {
        vertx.cancelTimer(timer);
        Standing s = standing;
        return vertx.executeBlocking(() -> {
            if (s.leading()) {
                store.resign(name, s.term());
            }
            store.close();
            return null;
        });
    }
}
