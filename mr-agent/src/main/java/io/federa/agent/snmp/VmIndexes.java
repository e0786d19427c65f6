package io.federa.agent.snmp;

import java.util.HashMap;
import java.util.Map;

/**
 * The VM-MIB's vmIndex of each VM, keyed by UUID: allocated the first time a VM is seen and
 * kept, unchanged, for as long as the agent runs (RFC 7666 lets it change across restarts, which
 * is why stations key on vmUUID). Indexes are never reused within a run.
 */
public final class VmIndexes {
    private final Map<String, Integer> byUuid = new HashMap<>();
    private int next = 1;

    public synchronized int indexOf(String uuid) {
        return byUuid.computeIfAbsent(uuid, u -> {
            if (next == Integer.MAX_VALUE) {
                throw new IllegalStateException("vmIndex space exhausted");
            }
            return next++;
        });
    }

    /** The index of a VM already seen, or 0. */
    public synchronized int existing(String uuid) {
        return byUuid.getOrDefault(uuid, 0);
    }
}
