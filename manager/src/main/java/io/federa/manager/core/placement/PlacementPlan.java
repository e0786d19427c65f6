package io.federa.manager.core.placement;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of every instance a plan asked for, in the order asked (dependency order for a
 * service). Each placed instance counted for those after it.
 */
public record PlacementPlan(List<Outcome> outcomes) {
    public PlacementPlan {
        outcomes = List.copyOf(outcomes);
    }

    /** What the plan placed, in order. */
    public List<Placed> placed() {
        return outcomes.stream().filter(o -> o instanceof Outcome.Fits).map(o -> ((Outcome.Fits) o).placed()).toList();
    }

    /** The instances not placed (unschedulable or unresolvable). */
    public List<Outcome> unplaced() {
        return outcomes.stream().filter(o -> !(o instanceof Outcome.Fits)).toList();
    }

    public boolean complete() {
        return unplaced().isEmpty();
    }

    public Optional<Outcome> outcome(String instance) {
        return outcomes.stream().filter(o -> o.instance().equals(instance)).findFirst();
    }

    /** The plan in words: {@link Explanation#of(PlacementPlan)}. */
    public String explain() {
        return Explanation.of(this);
    }
}
