package io.federa.agent.core;

/** Why an agent powered off managed VMs: the label of {@code mr_agent_fenced_vms_total}. */
public enum FenceCause {
    /** The lease ran out and no verdict of the peers let the VMs run on. */
    LEASE_EXPIRED("lease_expired"),
    /** A peer holds a fresher lease: the managers are alive and do not reach this host. */
    CUT_OFF("cut_off"),
    /** This host reached no majority of the fleet. */
    ISOLATED("isolated"),
    /** A managed VM was seen active while the host may run none (started behind the agent's back). */
    ACTIVE_WITHOUT_LEASE("active_without_lease"),
    /** The agent started: whatever ran before may run elsewhere now. */
    AGENT_START("agent_start");

    private final String label;

    FenceCause(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The cause a verdict of the peers gives when it forbids running; {@link #LEASE_EXPIRED} otherwise. */
    public static FenceCause of(PeerVerdict.Kind kind) {
        return switch (kind) {
            case CUT_OFF -> CUT_OFF;
            case ISOLATED -> ISOLATED;
            case MANAGERS_AWAY -> LEASE_EXPIRED;
        };
    }
}
