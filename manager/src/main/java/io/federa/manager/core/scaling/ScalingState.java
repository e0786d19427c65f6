package io.federa.manager.core.scaling;

/**
 * Where one application's scaling stands: the number of instances wanted, when it last changed,
 * and since when the load has been past a threshold ({@link #NOT_PAST}: it is not).
 */
public record ScalingState(int target, long lastChangeMillis, long aboveSinceMillis, long belowSinceMillis) {
    public static final long NOT_PAST = Long.MIN_VALUE;

    public static ScalingState initial(int target) {
        return new ScalingState(target, Long.MIN_VALUE / 2, NOT_PAST, NOT_PAST);
    }

    /** Changed at {@code atMillis}, the load past neither threshold. */
    public static ScalingState changed(int target, long atMillis) {
        return new ScalingState(target, atMillis, NOT_PAST, NOT_PAST);
    }
}
