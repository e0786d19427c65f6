package io.federa.manager.core.cost;

/** The buckets cost is kept in: each coarser one summed from the one before as its buckets close. */
public enum Resolution {
    MINUTE("m", 60_000L), HOUR("h", 3_600_000L), DAY("d", 86_400_000L);

    public final String code;
    public final long millis;

    Resolution(String code, long millis) {
        this.code = code;
        this.millis = millis;
    }

    /** The coarsest resolution whose buckets fit a step: a step of a whole number of days reads days. */
    public static Resolution forStep(long stepMillis) {
        for (int i = values().length - 1; i >= 0; i--) {
            if (stepMillis % values()[i].millis == 0) {
                return values()[i];
            }
        }
        throw new IllegalArgumentException("step must be a whole number of minutes, got " + stepMillis + " ms");
    }

    public Resolution finer() {
        return this == MINUTE ? null : values()[ordinal() - 1];
    }
}
