package io.federa.manager.core.placement;

import java.util.Objects;

/** An instance the current plan has already put on a host; it counts as if it were there. */
public record Placed(String instance, String application, String host) {
    public Placed {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(host, "host");
    }
}
