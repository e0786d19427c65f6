package io.federa.manager.core;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.VmStatus;

import java.util.List;

/** Hosts and VMs for the pure tests, with everything but what a test looks at fixed. */
public final class Fleet {
    private Fleet() {
    }

    public static HostStatus host(String id) {
        return new HostStatus(id, "paris", false, 2, List.of("linux"), 8, 4, 16L << 30, 8L << 30, 500L << 30, 100L << 30,
                1_000_000_000L, 1e6, "EUR", 0.00001, 0.01, 0.02, 0.0, "0.1.0", 1_000);
    }

    public static VmStatus vm(String name, String host, String state, String application) {
        return new VmStatus(name, "uuid-" + name, host, state, application, application.isEmpty() ? "" : "shop", 2, 2L << 30,
                20L << 30, 8_000, 4_000, 0.25, 60);
    }
}
