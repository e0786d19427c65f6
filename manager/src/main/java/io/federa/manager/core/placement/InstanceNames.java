package io.federa.manager.core.placement;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The one rule that names new instances: {@code <application>-<n>}, for the smallest n whose name
 * is not taken, and the next ones after it. The reconcile pass (through its instance ledger, which
 * knows the names VMs and managed instances have), a surge's new instance and the placement
 * engine's own planning of missing instances all name with it.
 */
public final class InstanceNames {
    private InstanceNames() {
    }

    /** The {@code count} names free one after another, found in one scan. */
    public static List<String> next(String application, int count, Predicate<String> taken) {
        List<String> out = new ArrayList<>(count);
        for (int n = 1; out.size() < count; n++) {
            String name = application + "-" + n;
            if (!taken.test(name)) {
                out.add(name);
            }
        }
        return out;
    }
}
