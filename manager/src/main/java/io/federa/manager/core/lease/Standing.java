package io.federa.manager.core.lease;

/**
 * Where a manager stands among those that share its store: whether it leads, with which term, and
 * who leads otherwise (with where its API answers), and until when the leader's claim holds.
 *
 * @param leading       this manager leads
 * @param term          the leader's term (this manager's when it leads); 0 before anyone led
 * @param leader        the leader's name; empty when nobody leads
 * @param leaderUrl     where the leader's API answers; empty when unknown
 * @param expiresMillis until when the leader's claim holds unless renewed (the store's record)
 */
public record Standing(boolean leading, long term, String leader, String leaderUrl, long expiresMillis) {
    public static final Standing NONE = new Standing(false, 0, "", "", 0);

    public Standing {
        leader = leader == null ? "" : leader;
        leaderUrl = leaderUrl == null ? "" : leaderUrl;
    }

    /** What clients are told: who leads, with which term, and where. */
    public String describe() {
        if (leader.isEmpty()) {
            return "no manager leads";
        }
        return "manager " + leader + " leads (term " + term + ")" + (leaderUrl.isEmpty() ? "" : " at " + leaderUrl);
    }
}
