package io.federa.manager.core.placement;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What a pass has placed so far on one {@link Placement}'s snapshot, kept between its placements:
 * adding an instance costs what one placement adds; taking one back rebuilds the plan's tables
 * at the next placement. {@link Placement#place(PlacementRequest, List)} rebuilds them at every
 * call instead, which a pass placing thousands of instances cannot afford (the first pass of a
 * catalog at its bound: seconds, quadratic in the instances). Not for concurrent use.
 */
public final class Planned {
    private final Placement engine;
    private final LinkedHashMap<String, Placed> byInstance = new LinkedHashMap<>();
    /** The plan's tables, or null when they must be rebuilt. */
    private Overlay overlay;

    Planned(Placement engine, Collection<Placed> initial) {
        this.engine = engine;
        initial.forEach(this::add);
    }

    /** {@code p} is placed: it counts for its host and application from the next placement on. */
    public void add(Placed p) {
        Placed before = byInstance.put(p.instance(), p);
        if (before != null) {
            overlay = null;
        } else if (overlay != null) {
            engine.absorb(overlay, p);
        }
    }

    /** The instance is no longer placed where the plan had it; false when the plan did not hold it. */
    public boolean remove(String instance) {
        if (byInstance.remove(instance) == null) {
            return false;
        }
        overlay = null;
        return true;
    }

    public boolean contains(String instance) {
        return byInstance.containsKey(instance);
    }

    public int size() {
        return byInstance.size();
    }

    /** What is placed, in the order it was. */
    public List<Placed> list() {
        return List.copyOf(byInstance.values());
    }

    Overlay overlay() {
        if (overlay == null) {
            overlay = engine.overlay(byInstance.values());
        }
        return overlay;
    }
}
