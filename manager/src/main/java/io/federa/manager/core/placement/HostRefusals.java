package io.federa.manager.core.placement;

import java.util.List;

/** Every reason one host was refused for one instance, in chain order (never empty). */
public record HostRefusals(String host, List<Refusal> refusals) {
    public HostRefusals {
        refusals = List.copyOf(refusals);
        if (refusals.isEmpty()) {
            throw new IllegalArgumentException("a refused host has at least one reason: " + host);
        }
    }

    public List<Reason> reasons() {
        return refusals.stream().map(Refusal::reason).toList();
    }
}
