package io.federa.manager.core.scaling;

/**
 * A change of an application's wanted instances, and why: the figures and the rule that made it,
 * in words for {@code federa events}.
 */
public record ScalingDecision(String service, String application, int from, int to, long atMillis, String why) {
    public boolean scaleOut() {
        return to > from;
    }
}
