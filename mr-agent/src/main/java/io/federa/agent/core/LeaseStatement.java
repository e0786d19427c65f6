package io.federa.agent.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the leading manager signs when it renews a host's lease: who leads and with which term,
 * when it issued the statement (the leader's wall clock, in ms), how long the lease lasts, how
 * long a verdict of its peers lets a host keep its VMs running while no manager renews anything,
 * how much fresher a peer's statement must be to prove that a manager is alive without this host,
 * and the fleet the host may ask. The same statement goes to every agent of one round: it proves
 * that the leader was alive at {@code issuedAtMillis}, not that it reached any one host.
 *
 * @param holder          the leader's name
 * @param term            the leader's term; only ever grows
 * @param issuedAtMillis  when the leader issued it (leader's wall clock)
 * @param leaseMillis     the lease this renewal grants, counted from its arrival
 * @param peerGrantMillis how long a verdict that the managers are away lets the host run its VMs
 * @param gapMillis       how much later a peer's statement must have been issued to be fresher
 * @param fleet           the fleet's version and size, and its members when this statement carries them
 */
public record LeaseStatement(String holder, long term, long issuedAtMillis, long leaseMillis, long peerGrantMillis,
                             long gapMillis, Fleet fleet) {
    /** One agent of the fleet: its name as the manager knows it and where its peers ask for its statement. */
    public record Member(String name, String url) {
        public Member {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(url, "url");
        }
    }

    /**
     * The fleet a statement speaks of: a version (a digest of the members, given by the manager),
     * the number of agents that hold leases, and the members themselves when the statement carries
     * them (the manager sends them only to an agent that does not have this version yet).
     */
    public record Fleet(String version, int size, Optional<List<Member>> members) {
        public Fleet {
            Objects.requireNonNull(version, "version");
            members = members.map(List::copyOf);
            if (size < 1) {
                throw new IllegalArgumentException("fleet.size: must be at least 1, got " + size);
            }
            if (members.isPresent() && members.get().size() != size) {
                throw new IllegalArgumentException("fleet.members: lists " + members.get().size()
                        + " agents, but fleet.size says " + size);
            }
        }
    }

    public LeaseStatement {
        if (!Names.isToken(holder)) {
            throw new IllegalArgumentException("holder: must be " + Names.TOKEN_RULE + ", got " + VmSpec.quote(holder));
        }
        if (term < 1) {
            throw new IllegalArgumentException("term: must be at least 1, got " + term);
        }
        if (leaseMillis < Lease.MIN_MILLIS || leaseMillis > Lease.MAX_MILLIS) {
            throw new IllegalArgumentException("leaseMillis: must be between " + Lease.MIN_MILLIS + " and "
                    + Lease.MAX_MILLIS + ", got " + leaseMillis);
        }
        if (peerGrantMillis < 100 || peerGrantMillis > leaseMillis) {
            throw new IllegalArgumentException("peerGrantMillis: must be between 100 and leaseMillis (" + leaseMillis
                    + "), got " + peerGrantMillis);
        }
        if (gapMillis < 1 || gapMillis > Lease.MAX_MILLIS) {
            throw new IllegalArgumentException("gapMillis: must be between 1 and " + Lease.MAX_MILLIS + ", got " + gapMillis);
        }
        Objects.requireNonNull(fleet, "fleet");
    }

    /** How often a host asks its peers while no manager renews its lease: four times per grant. */
    public long peerCheckEveryMillis() {
        return Math.max(25, peerGrantMillis / 4);
    }

    /**
     * Whether {@code other} proves a manager alive later than this statement: issued more than the
     * gap after it. Terms alone prove nothing: a new leader's first statements go to some hosts
     * before others; the gap covers one round of renewals and the clock skew between managers.
     */
    public boolean isOlderThan(LeaseStatement other) {
        return other.issuedAtMillis - issuedAtMillis > gapMillis;
    }
}
