package io.federa.agent.core;

import java.util.Objects;

/**
 * What the agent fenced since it started: how many managed VMs it powered off for want of a
 * lease, and the reason of the latest fencing ({@link FenceCause#label()}, empty before any).
 * Published with each snapshot, so the manager learns it from its poll.
 */
public record Fencing(long vms, String lastReason) {
    public static final Fencing NONE = new Fencing(0, "");

    public Fencing {
        Objects.requireNonNull(lastReason, "lastReason");
        if (vms < 0) {
            throw new IllegalArgumentException("fenced VMs cannot be negative: " + vms);
        }
    }
}
