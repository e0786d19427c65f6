package io.federa.manager.core.cost;

import java.util.Objects;

/**
 * What one VM used over one interval of its host, and how it was counted.
 *
 * @param application the application the VM carries ("" for a VM that carries none the manager knows)
 * @param service     the service its agent names (informative: services are attributed from the catalog)
 */
public record VmUsage(String vm, String application, String service, Usage usage, Counted counted) {
    /** How an interval's figures were obtained. */
    public enum Counted {
        /** Both ends of the interval sampled, every counter went up (or stayed). */
        METERED,
        /** A counter went down: it started again, and what it shows is what was used since (docs/cost.md). */
        RESET,
        /** Seen for the first time (or again after a gap): a baseline, nothing billed. */
        FIRST
    }

    public VmUsage {
        Objects.requireNonNull(vm, "vm");
        application = application == null ? "" : application;
        service = service == null ? "" : service;
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(counted, "counted");
    }
}
