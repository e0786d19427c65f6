package io.federa.manager.core.lifecycle;

import io.federa.manager.core.placement.Outcome;

import java.util.List;

/**
 * What one reconcile pass decided: steps to carry out now (each a short sequence of actions on one
 * VM, in order), what waits and why, and the instances no host can take, with every host's reasons.
 *
 * @param steps         independent of each other; the actions inside one step run in order
 * @param waiting       one sentence per thing held back (a dependency not yet up, a host in its grace period)
 * @param unschedulable instances that fit nowhere, for {@code federa explain} and the events
 * @param placed        instances given a (new) host by this plan, with their new epoch
 * @param removed       instances this plan removes (scaled in)
 */
public record Plan(List<Step> steps, List<String> waiting, List<Outcome.Unschedulable> unschedulable,
                   List<ManagedInstance> placed, List<String> removed) {
    public Plan {
        steps = List.copyOf(steps);
        waiting = List.copyOf(waiting);
        unschedulable = List.copyOf(unschedulable);
        placed = List.copyOf(placed);
        removed = List.copyOf(removed);
    }

    /** The actions of one VM, in order, and why. */
    public record Step(String vm, String service, String application, String why, List<Action> actions) {
        public Step {
            actions = List.copyOf(actions);
        }
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
