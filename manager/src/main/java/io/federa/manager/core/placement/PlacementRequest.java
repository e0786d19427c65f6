package io.federa.manager.core.placement;

import java.util.Objects;

/** Place one instance (named, e.g. {@code web-2}) of an application of the catalog. */
public record PlacementRequest(String application, String instance) {
    public PlacementRequest {
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(instance, "instance");
    }
}
