package io.federa.agent.command;

/**
 * Why the agent refuses a command, as a code its callers decide on: every refusal's message
 * begins with its code and a colon ({@code "STALE_EPOCH: stale epoch 3 for web-2: this host holds
 * epoch 5"}), so that a program reads the code and a person the sentence. The manager knows these
 * names (its {@code RefusalCode}); a new one is added at the end of both.
 */
public enum RefusalCode {
    /** The VM runs, and the command needs it stopped (undefine, remove, redefine, offer its data). */
    VM_RUNNING,
    /** The command carries an older placement epoch than the host holds for the VM. */
    STALE_EPOCH,
    /** The command or lease statement comes from an older leader's term than the host has seen. */
    STALE_TERM,
    /** The host holds no valid lease, and may not start managed VMs. */
    NO_LEASE,
    /**
     * A lease renewal read after the latest time the manager allowed for it (the host was stopped,
     * the network held the request back, or this host's clock runs ahead of the manager's by more
     * than the skew allowed): the lease it would grant could outlast what the manager counts with.
     */
    LATE_RENEWAL,
    /** The host has not the memory or disk the command needs. */
    NO_CAPACITY,
    /** No VM of that name is defined here. */
    NO_SUCH_VM,
    /** Another VM already has that name or UUID here. */
    NAME_TAKEN,
    /** The operation id was already used for another command. */
    OPERATION_REUSED,
    /** A migration's attempt is older than one this host knows, or its token was spent. */
    STALE_ATTEMPT,
    /** A domain with that UUID is defined here, so its data is neither replaced nor discarded. */
    VM_DEFINED,
    /** There is no data for that VM here. */
    NO_DATA,
    /** The request names another VM or token than the migration it belongs to. */
    MISMATCH,
    /** The host cannot do this at all (simulated load outside libvirt's test driver). */
    NOT_SUPPORTED,
    /** A refusal whose code is not known: one recorded by an agent from before codes. */
    REFUSED;

    /** The code a refusal's message begins with; {@link #REFUSED} when it begins with none. */
    public static RefusalCode of(String message) {
        if (message != null) {
            int colon = message.indexOf(':');
            if (colon > 0) {
                String head = message.substring(0, colon);
                for (RefusalCode c : values()) {
                    if (c.name().equals(head)) {
                        return c;
                    }
                }
            }
        }
        return REFUSED;
    }
}
