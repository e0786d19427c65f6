package io.federa.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.core.FenceCause;
import io.federa.agent.core.InvalidSpecException;
import io.federa.agent.core.Lease;
import io.federa.agent.core.Names;
import io.federa.agent.core.LeaseStatement;
import io.federa.agent.core.PeerVerdict;
import io.federa.common.clock.WallClock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's permission to run the VMs the manager placed, counted on a monotonic ticker
 * (System::nanoTime in the agent, a hand-moved one in tests). Two things give it:
 *
 * <ul>
 *   <li>the <b>lease</b>, which each renewal by the leading manager extends (a signed
 *       {@link LeaseStatement}); only the lease lets the host <em>start</em> a managed VM;</li>
 *   <li>a <b>peer grant</b>: while no manager renews anything, a {@link PeerVerdict} that the
 *       managers are away lets the host keep its VMs running for {@code peerGrantMillis} from the
 *       moment it began asking (so a slow check never stretches it).</li>
 * </ul>
 *
 * A renewal is counted from when it is read, on the monotonic ticker, but never past the latest end
 * the manager allowed for it: the manager counts each lease from its poll's deadline, and a renewal
 * read later than that (an agent stopped with SIGSTOP reads the request queued in its socket when
 * it resumes, maybe after its VMs were started elsewhere) must not grant more. That one bound is a
 * wall-clock time of the manager's, less the clock skew allowed between processes, compared with
 * this process's {@link WallClock}; see {@link #renew(String, String, long)}.
 *
 * <p>The lease itself is not persisted: an agent that starts holds none. The latest statement is
 * (its term, so that a restart forgets no term; and what peers may ask for, so that a restarted
 * peer still vouches for what it was told).
 */
public final class LeaseKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a renewal answers: the time left, the fleet version this host knows, where peers ask it. */
    public record Renewal(long remainingMillis, String fleetVersion, long term, String peerUrl) {
        /** As the renewal answers over JMX: {@code {"remainingMillis":…,"fleetVersion":"…","term":…,"peerUrl":"…"}}. */
        public String toJson() {
            return JSON.createObjectNode().put("remainingMillis", remainingMillis).put("fleetVersion", fleetVersion)
                    .put("term", term).put("peerUrl", peerUrl).toString();
        }
    }

    private final LongSupplier ticker;
    private final LongSupplier wallMillis;
    private final Optional<Path> file;
    private final LeaseStatements statements;
    private Lease lease = Lease.NONE;
    private LeaseStatements.Signed latest;
    private String member = "";
    private LeaseStatements.Signed membersFrom;
    private long renewedAtNanos;
    private boolean renewedSinceStart;
    private long grantUntilNanos;
    private boolean granted;
    private long lastCheckNanos;
    private boolean checked;
    private PeerVerdict verdict;
    private boolean lapsed;
    private volatile String peerUrl = "";
    private long lateRefused;
    private long lateShortened;
    private boolean lastShortened;

    /** A keeper that believes unsigned statements and keeps nothing on disk (tests). */
    public LeaseKeeper(LongSupplier nanoTicker) {
        this(nanoTicker, Optional.empty(), new LeaseStatements(List.of()));
    }

    public LeaseKeeper(LongSupplier nanoTicker, Optional<Path> file, LeaseStatements statements) {
        this(nanoTicker, WallClock::millis, file, statements);
    }

    /**
     * @param wallMillis this process's wall clock, in ms since the epoch (only to compare with the
     *                   latest lease end a renewal allows)
     * @param file       where the latest statement is kept across restarts; read back through
     *                   {@code statements} (a statement no key believes any more is dropped)
     */
    public LeaseKeeper(LongSupplier nanoTicker, LongSupplier wallMillis, Optional<Path> file, LeaseStatements statements) {
        this.ticker = nanoTicker;
        this.wallMillis = wallMillis;
        this.file = file;
        this.statements = statements;
        file.filter(Files::isRegularFile).ifPresent(f -> load(f, statements));
    }

    private void load(Path f, LeaseStatements statements) {
        try {
            JsonNode saved = JSON.readTree(Files.readString(f));
            latest = statements.read(saved.path("latest").asText());
            member = saved.path("member").asText("");
            if (saved.hasNonNull("members")) {
                membersFrom = statements.read(saved.path("members").asText());
            }
            LOG.info("the latest lease statement (term " + latest.statement().term() + " from "
                    + latest.statement().holder() + ") was read back; the lease itself was not");
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("ignoring the saved lease statement " + f + ": " + e.getMessage());
            latest = null;
            membersFrom = null;
        }
    }

    /**
     * Grants or extends the lease for the statement's length from now, and keeps the statement,
     * with no bound on when the renewal is read: the form of managers that send none.
     *
     * @see #renew(String, String, long)
     */
    public Renewal renew(String envelope, String member) {
        return renew(envelope, member, Long.MAX_VALUE);
    }

    /**
     * Grants or extends the lease for the statement's length from now, ending no later than
     * {@code latestEndMillis}, and keeps the statement. Any holder may renew (when the leader
     * changes, the new one takes the lease over without a gap, which would power off every managed
     * VM); a term older than one already seen is refused.
     *
     * <p>{@code latestEndMillis} is the latest the manager counts this lease may hold (its poll's
     * deadline plus the lease), less the clock skew allowed between its clock and this host's, on
     * the manager's wall clock. With this host's clock within that skew of the manager's, the
     * lease granted here ends before the manager's count does, however late the renewal is read.
     * A renewal read so late that it would grant nothing is refused ({@link RefusalCode#LATE_RENEWAL})
     * and changes nothing: the host keeps the lease and statement it had.
     *
     * @param member          this host's name in the fleet (the manager's name for it)
     * @param latestEndMillis the latest end of the lease granted, manager's wall clock, ms since the epoch
     */
    public Renewal renew(String envelope, String member, long latestEndMillis) {
        if (!Names.isToken(member)) {
            throw new InvalidSpecException("member", "must be " + Names.TOKEN_RULE);
        }
        // Checked outside the lock: a signature costs some tens of microseconds.
        return renew(statements.read(envelope), member, latestEndMillis);
    }

    private synchronized Renewal renew(LeaseStatements.Signed signed, String member, long latestEndMillis) {
        LeaseStatement s = signed.statement();
        long now = ticker.getAsLong();
        if (latest != null && s.term() < latest.statement().term()) {
            throw new CommandRefusedException(RefusalCode.STALE_TERM, Refusals.staleTerm(s.term(), s.holder(), latest.statement().term()));
        }
        Lease next = Lease.granted(s.holder(), s.leaseMillis(), now);
        if (latestEndMillis != Long.MAX_VALUE) {
            long allowedMillis = latestEndMillis - wallMillis.getAsLong();
            if (allowedMillis <= 0) {
                lateRefused++;
                LOG.warn(Refusals.lateRenewal(-allowedMillis) + " (term " + s.term() + " from " + s.holder() + ")");
                throw new CommandRefusedException(RefusalCode.LATE_RENEWAL, Refusals.lateRenewal(-allowedMillis));
            }
            boolean shortened = allowedMillis < s.leaseMillis();
            if (shortened) {
                lateShortened++;
                next = next.endingBy(now + allowedMillis * 1_000_000);
                if (!lastShortened) {
                    LOG.warn("renewal read late, or this host's clock runs ahead of the manager's: the lease is granted"
                            + " for " + allowedMillis + " ms instead of " + s.leaseMillis() + " ms");
                }
            }
            lastShortened = shortened;
        }
        if (lease.validAt(now) && !lease.holder().equals(s.holder())) {
            LOG.info("lease taken over by " + s.holder() + " (term " + s.term() + ") from " + lease.holder());
        } else if (!lease.validAt(now)) {
            LOG.info("lease granted to " + s.holder() + " (term " + s.term() + ") for " + s.leaseMillis() + " ms"
                    + (granted && grantUntilNanos - now > 0 ? "; the managers are back" : ""));
        }
        lease = next;
        renewedAtNanos = now;
        renewedSinceStart = true;
        granted = false;
        verdict = null;
        lapsed = false;
        if (latest == null || s.issuedAtMillis() >= latest.statement().issuedAtMillis() || s.term() > latest.statement().term()) {
            latest = signed;
        }
        if (s.fleet().members().isPresent()) {
            membersFrom = signed;
        }
        this.member = member;
        save();
        return new Renewal(next.remainingMillis(now), fleetVersion(), latest.statement().term(), peerUrl);
    }

    private String fleetVersion() {
        return membersFrom == null ? "" : membersFrom.statement().fleet().version();
    }

    private void save() {
        if (file.isEmpty()) {
            return;
        }
        ObjectNode out = JSON.createObjectNode().put("latest", latest.envelope()).put("member", member);
        out.put("members", membersFrom == null ? null : membersFrom.envelope());
        Path f = file.get();
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, out.toString(), StandardCharsets.UTF_8);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Keeping the statement only lets a restarted agent still vouch for its peers; a full or
            // broken disk must not turn the renewal itself into a refusal (which would fence).
            LOG.warn("cannot keep the lease statement in " + f + " (the renewal holds): " + e.getMessage());
        }
    }

    /** Where this host's peers ask for its statement; told to the manager with every renewal. */
    public void advertise(String url) {
        this.peerUrl = url;
    }

    /** Renewals refused since the agent started because they were read after the latest end they allowed. */
    public synchronized long lateRenewalsRefused() {
        return lateRefused;
    }

    /** Renewals since the agent started that granted less than their lease, being read late. */
    public synchronized long lateRenewalsShortened() {
        return lateShortened;
    }

    /** Whether the manager's lease holds: only then may a managed VM be started. */
    public synchronized boolean isValid() {
        return lease.validAt(ticker.getAsLong());
    }

    /** Whether managed VMs may keep running: under the lease, or a peer grant that the managers are away. */
    public synchronized boolean mayRun() {
        long now = ticker.getAsLong();
        return lease.validAt(now) || (granted && grantUntilNanos - now > 0);
    }

    /**
     * Until when, on the ticker, managed VMs may run: the later of the lease's end and a peer
     * grant's end; empty when the host holds neither. What the lease supervisor is fed.
     */
    public synchronized java.util.OptionalLong mayRunUntilNanos() {
        long now = ticker.getAsLong();
        boolean leased = lease.validAt(now);
        boolean grant = granted && grantUntilNanos - now > 0;
        if (leased && grant) {
            return java.util.OptionalLong.of(grantUntilNanos - lease.expiresAtNanos() > 0 ? grantUntilNanos : lease.expiresAtNanos());
        }
        if (leased) {
            return java.util.OptionalLong.of(lease.expiresAtNanos());
        }
        return grant ? java.util.OptionalLong.of(grantUntilNanos) : java.util.OptionalLong.empty();
    }

    /** Milliseconds left on the lease, 0 when none is held. */
    public synchronized long remainingMillis() {
        return lease.remainingMillis(ticker.getAsLong());
    }

    /** Milliseconds left on a peer grant, 0 when none. */
    public synchronized long grantRemainingMillis() {
        long left = grantUntilNanos - ticker.getAsLong();
        return granted && left > 0 ? left / 1_000_000 : 0;
    }

    /** Who holds the lease now; empty when none is held. */
    public synchronized String holder() {
        return lease.validAt(ticker.getAsLong()) ? lease.holder() : "";
    }

    /** The highest term seen, 0 before any. */
    public synchronized long term() {
        return latest == null ? 0 : latest.statement().term();
    }

    /** The latest statement's envelope, as peers ask for it; empty before any. */
    public synchronized Optional<String> latestEnvelope() {
        return Optional.ofNullable(latest).map(LeaseStatements.Signed::envelope);
    }

    /** The last verdict of the peers, while no renewal has come since it. */
    public synchronized Optional<PeerVerdict> verdict() {
        return Optional.ofNullable(verdict);
    }

    /** Why the host lost its permission to run managed VMs. */
    public record Expiry(FenceCause cause, String why) {
    }

    /**
     * What a peer check needs: this host's statement, the peers to ask, when it began, and how long
     * it may wait for their answers.
     */
    public record CheckPlan(LeaseStatement own, List<LeaseStatement.Member> peers, long startedNanos, long waitMillis) {
        public CheckPlan(LeaseStatement own, List<LeaseStatement.Member> peers, long startedNanos) {
            this(own, peers, startedNanos, own.peerCheckEveryMillis());
        }
    }

    /** What a check keeps for itself of the time left: the verdict must be recorded before the lease or grant ends. */
    static final long CHECK_MARGIN_MILLIS = 100;

    /**
     * A check of the peers to make now, if one is due: when the lease has less than a grant left
     * (a grant from a check now would outlast it), at most every {@link LeaseStatement#peerCheckEveryMillis}.
     * Nothing is due before a statement with the fleet's members arrived.
     */
    public synchronized Optional<CheckPlan> checkDue() {
        // Only a lease held since this agent started can be carried on by its peers: a restarted
        // agent keeps its managed VMs off until a manager renews it.
        if (latest == null || membersFrom == null || !renewedSinceStart || lapsed) {
            return Optional.empty();
        }
        LeaseStatement own = latest.statement();
        long now = ticker.getAsLong();
        if (lease.validAt(now) && lease.remainingMillis(now) > own.peerGrantMillis()) {
            return Optional.empty();
        }
        if (checked && now - lastCheckNanos < own.peerCheckEveryMillis() * 1_000_000) {
            return Optional.empty();
        }
        checked = true;
        lastCheckNanos = now;
        List<LeaseStatement.Member> peers = membersFrom.statement().fleet().members().orElseThrow().stream()
                .filter(m -> !m.name().equals(member)).toList();
        LeaseStatement fleetOwn = new LeaseStatement(own.holder(), own.term(), own.issuedAtMillis(), own.leaseMillis(),
                own.peerGrantMillis(), own.gapMillis(), membersFrom.statement().fleet());
        // Peers on a busy machine may answer slowly: a check may wait for them up to a grant less
        // one period (the next check begins meanwhile, and its verdict, granting from its own
        // start, must still come before this one's grant ends), and no later than just before the
        // lease or grant runs out; never less than one period. A verdict grants from when its
        // check began, whenever it comes, so waiting longer grants nothing more.
        long left = Math.max(lease.validAt(now) ? lease.remainingMillis(now) : 0,
                granted ? (grantUntilNanos - now) / 1_000_000 : 0);
        long wait = Math.max(own.peerCheckEveryMillis(),
                Math.min(own.peerGrantMillis() - own.peerCheckEveryMillis(), left) - CHECK_MARGIN_MILLIS);
        return Optional.of(new CheckPlan(fleetOwn, peers, now, wait));
    }

    /**
     * Takes a check's verdict. One that the managers are away grants {@code peerGrantMillis} from
     * when the check began; any other lets the grant run out. A renewal since the check began makes
     * it moot.
     */
    public synchronized void record(CheckPlan plan, PeerVerdict v) {
        if (lapsed || renewedAtNanos - plan.startedNanos() >= 0) {
            return;
        }
        PeerVerdict before = verdict;
        verdict = v;
        // Any other verdict only stops extending the grant: the managers count with a grant's full
        // length anyway, and one check that timed out on a busy machine must not power VMs off.
        if (v.mayKeepRunning()) {
            long until = plan.startedNanos() + plan.own().peerGrantMillis() * 1_000_000;
            if (!granted || until - grantUntilNanos > 0) {
                grantUntilNanos = until;
            }
            granted = true;
        }
        if (before == null || before.kind() != v.kind()) {
            long now = ticker.getAsLong();
            long validMillis = lease.validAt(now) ? lease.remainingMillis(now) : 0;
            long grantMillis = granted && grantUntilNanos - now > 0 ? (grantUntilNanos - now) / 1_000_000 : 0;
            long leftMillis = Math.max(validMillis, grantMillis);
            if (v.mayKeepRunning()) {
                LOG.warn("no renewal from the managers; " + v.reason() + ": managed VMs keep running, none is started");
            } else if (leftMillis > 0) {
                // Peers renewed first (a manager that just started renews host by host): this host's
                // renewal may be on its way. Nothing is powered off unless the time left runs out.
                LOG.warn("no renewal from the managers yet; " + v.reason() + ". This host may still run its managed VMs"
                        + " for " + leftMillis + " ms: they are powered off only if no renewal comes by then");
            } else {
                LOG.error("no renewal from the managers; " + v.reason());
            }
        }
    }

    /**
     * Why the host just lost its permission to run managed VMs, once per loss: the peers' verdict
     * when there is one; empty while it may run, and after it was told.
     */
    public synchronized Optional<Expiry> takeExpiry() {
        long now = ticker.getAsLong();
        boolean may = lease.validAt(now) || (granted && grantUntilNanos - now > 0);
        if (may || lapsed || (!lease.isHeld() && !granted)) {
            return Optional.empty();
        }
        lapsed = true;
        Expiry e = verdict != null && !verdict.mayKeepRunning()
                ? new Expiry(FenceCause.of(verdict.kind()), verdict.reason())
                : new Expiry(FenceCause.LEASE_EXPIRED, granted ? "the peers' grant ran out with no new verdict"
                        : membersFrom == null ? "the lease ran out (no fleet known to ask)" : "the lease ran out");
        LOG.warn("lease of " + lease.holder() + " ran out: " + e.why());
        lease = Lease.NONE;
        granted = false;
        return Optional.of(e);
    }
}
