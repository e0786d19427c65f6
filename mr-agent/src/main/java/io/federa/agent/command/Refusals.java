package io.federa.agent.command;

/**
 * Why the agent refuses a command sent through {@code execute}, in words, in one place: operators
 * read them in the manager's events and logs. Programs decide on the {@link RefusalCode} that
 * each refusal's message begins with, never on these words.
 */
public final class Refusals {
    /** Managed VMs run only while the host holds a lease from the manager's polls. */
    public static final String NO_LEASE = "no valid lease: this host may not start managed VMs";

    /** A renewal from a leader whose term is older than one this host has already seen. */
    public static String staleTerm(long asked, String holder, long known) {
        return "stale term " + asked + " from " + holder + ": this host has seen term " + known;
    }

    /**
     * "renewal read 2350 ms after the latest end of the lease it grants: …" — the lease it grants
     * would have ended {@code lateMillis} ago by the manager's count.
     */
    public static String lateRenewal(long lateMillis) {
        return "renewal read " + lateMillis + " ms after the latest end the manager allowed for the lease it grants"
                + " (this host was stopped, the network held the request back, or this host's clock runs ahead of the"
                + " manager's by more than the skew allowed): not renewed";
    }

    private Refusals() {
    }

    /** "stale epoch 3 for web-2: this host holds epoch 5" */
    public static String staleEpoch(long asked, String vm, long known) {
        return "stale epoch " + asked + " for " + vm + ": this host holds epoch " + known;
    }

    public static String noSuchVm(String vm, String hostId) {
        return "no VM named " + vm + " on " + hostId;
    }

    public static String operationReused(String operationId, Operation.Action action, String vm, long epoch) {
        return "operation " + operationId + " was already used for " + action.word() + " " + vm + " at epoch " + epoch
                + "; a new command needs a new operationId";
    }

    public static String runningRedefine(String vm, long epoch) {
        return "cannot redefine " + vm + ": it runs here with epoch " + epoch + "; destroy it first";
    }

    public static String otherIdentity(String vm, String hostId, String uuid) {
        return "a VM named " + vm + " already exists on " + hostId + " with UUID " + uuid + "; undefine it first";
    }
}
