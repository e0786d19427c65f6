package io.federa.manager.core.placement;

import java.util.List;
import java.util.Optional;

/**
 * One host's verdict for one instance, for {@code federa explain}: the reasons it was refused,
 * or, when it passed every check, its score.
 */
public record HostVerdict(String host, List<Refusal> refusals, Optional<Score> score) {
    public HostVerdict {
        refusals = List.copyOf(refusals);
        if (refusals.isEmpty() == score.isEmpty()) {
            throw new IllegalArgumentException("a host is either refused or scored: " + host);
        }
    }

    public boolean fits() {
        return refusals.isEmpty();
    }
}
