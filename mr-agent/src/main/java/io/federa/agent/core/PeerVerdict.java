package io.federa.agent.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a host concludes from its peers' lease statements once the managers stop renewing its own
 * lease. Pure: given the host's latest statement, the fleet's size and what each peer answered.
 *
 * <ul>
 *   <li>{@link Kind#CUT_OFF}: a peer holds a statement fresher than this host's (issued more than
 *       the gap later): a manager is alive and renews others, not this host, and may replace its
 *       VMs. Fence.</li>
 *   <li>{@link Kind#ISOLATED}: this host and the peers that answered are no majority of the fleet.
 *       It cannot tell whether a manager is alive: fence.</li>
 *   <li>{@link Kind#MANAGERS_AWAY}: a majority (this host included) answered and none holds a
 *       fresher statement: no manager renews anyone, so none can replace this host's VMs. Keep
 *       them running for the grant, start nothing new.</li>
 * </ul>
 *
 * <p>Why this is safe: a manager replaces a host's VMs only once a majority of the fleet has
 * acknowledged statements fresher than the host's and a grant has run out since (docs/lifecycle.md).
 * Any majority this host reaches afterwards intersects that one, and statements only grow, so
 * it sees a fresher one (cut off) or reaches no majority (isolated): no later grant.
 */
public record PeerVerdict(Kind kind, int reached, int fleetSize, List<String> fresher, String reason) {
    public enum Kind { MANAGERS_AWAY, CUT_OFF, ISOLATED }

    /** One peer's answer: its statement, or why there is none (unreachable, never renewed, bad signature). */
    public record Answer(LeaseStatement statement, String failure) {
        public static Answer of(LeaseStatement s) {
            return new Answer(s, null);
        }

        public static Answer failed(String why) {
            return new Answer(null, why);
        }
    }

    public PeerVerdict {
        fresher = List.copyOf(fresher);
    }

    /** The smallest number of agents that is more than half of {@code n}. */
    public static int majority(int n) {
        return n / 2 + 1;
    }

    public boolean mayKeepRunning() {
        return kind == Kind.MANAGERS_AWAY;
    }

    /**
     * @param own     this host's latest statement
     * @param answers per peer name, what it answered (this host is not among them)
     */
    public static PeerVerdict judge(LeaseStatement own, Map<String, Answer> answers) {
        int n = own.fleet().size();
        int reached = 1; // this host
        List<String> fresher = new ArrayList<>();
        List<String> unreached = new ArrayList<>();
        for (Map.Entry<String, Answer> e : answers.entrySet()) {
            LeaseStatement s = e.getValue().statement();
            if (s == null) {
                unreached.add(e.getKey() + " (" + e.getValue().failure() + ")");
                continue;
            }
            reached++;
            if (own.isOlderThan(s)) {
                fresher.add(e.getKey() + " (issued " + (s.issuedAtMillis() - own.issuedAtMillis()) + " ms later, term "
                        + s.term() + ")");
            }
        }
        reached = Math.min(reached, n);
        if (!fresher.isEmpty()) {
            return new PeerVerdict(Kind.CUT_OFF, reached, n, fresher, "cut off from the managers: "
                    + String.join(", ", fresher) + " hold fresher leases than this host's");
        }
        if (reached < majority(n)) {
            return new PeerVerdict(Kind.ISOLATED, reached, n, fresher, "isolated: reached " + reached + " of " + n
                    + " agents (this one included), a majority is " + majority(n)
                    + (unreached.isEmpty() ? "" : "; not reached: " + String.join(", ", unreached)));
        }
        return new PeerVerdict(Kind.MANAGERS_AWAY, reached, n, fresher, "the managers are away: " + reached + " of "
                + n + " agents reached, none holds a lease fresher than this host's");
    }
}
