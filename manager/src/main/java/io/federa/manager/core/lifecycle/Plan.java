package io.federa.manager.core.lifecycle;

import io.federa.manager.core.placement.Outcome;

import java.util.List;

/**
 * What one reconcile pass decided: steps to carry out now (each a short sequence of actions on one
 * VM, in order), what waits and why, and the instances no host can take, with every host's reasons.
 *
 * @param steps         independent of each other; the actions inside one step run in order
 * @param waits         one per thing held back (a dependency not yet up, a host in its grace period,
 *                      an instance that fits on no host), with its kind and a sentence
 * @param unschedulable instances that fit nowhere, for {@code federa explain} and the events
 * @param placed        instances given a (new) host by this plan, with their new epoch
 * @param removed       instances this plan removes (replicas lowered, scaled in, pruned)
 * @param reducing      services with more instances than they want at the start of this pass:
 *                      not converged, whether this pass removes the extra ones or they wait
 */
public record Plan(List<Step> steps, List<Wait> waits, List<Outcome.Unschedulable> unschedulable,
                   List<ManagedInstance> placed, List<String> removed, java.util.Set<String> reducing) {
    public Plan {
        steps = List.copyOf(steps);
        waits = List.copyOf(waits);
        unschedulable = List.copyOf(unschedulable);
        placed = List.copyOf(placed);
        removed = List.copyOf(removed);
        reducing = java.util.Set.copyOf(reducing);
    }

    /** The plan of a pass with nothing to reduce. */
    public Plan(List<Step> steps, List<Wait> waits, List<Outcome.Unschedulable> unschedulable,
                List<ManagedInstance> placed, List<String> removed) {
        this(steps, waits, unschedulable, placed, removed, java.util.Set.of());
    }

    /** The actions of one VM, in order, and why. */
    public record Step(String vm, String service, String application, String why, List<Action> actions) {
        public Step {
            actions = List.copyOf(actions);
        }
    }

    /** Why something is held back, for code to decide on; the sentence is for people. */
    public enum WaitKind {
        /** An application waits for one it depends on to have its {@code minAvailable} running. */
        DEPENDENCY,
        /** An instance's host does not answer, within its grace period or fencing deadline. */
        HOST_UNREACHABLE,
        /** An instance fits on no host: nothing is defined anywhere until one has room. */
        NO_HOST_FITS,
        /** An instance cannot be placed at all (an unknown application, a name taken). */
        UNRESOLVABLE,
        /**
         * An application of a stopped service waits for those that depend on it to stop; one with
         * more instances than wanted, for those that depend on it to shed theirs.
         */
        DEPENDANTS_RUNNING,
        /** An instance to remove runs, and stopping it would leave fewer than {@code minAvailable} running. */
        MIN_AVAILABLE,
        /** An instance due a restart by its probes waits while another VM of its application restarts. */
        RESTART
    }

    /**
     * One thing held back.
     *
     * @param application the application it concerns (of the instance, when the subject is one)
     * @param subject     the application or instance held back, as the sentence begins with it
     */
    public record Wait(String application, String subject, WaitKind kind, String text) {
    }

    /** The sentences of {@link #waits}, in order. */
    public List<String> waiting() {
        return waits.stream().map(Wait::text).toList();
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
