package io.federa.agent.data;

import java.util.Locale;
import java.util.UUID;

/** Why the agent refuses to offer, import or discard a VM's data, in one place. */
final class DataRefusals {
    private DataRefusals() {
    }

    static String running(UUID uuid, String hostId) {
        return "the VM with UUID " + uuid + " is running on " + hostId + "; stop it first";
    }

    static String noData(UUID uuid, String hostId) {
        return "no data for VM " + uuid + " on " + hostId;
    }

    static String domainDefined(UUID uuid, String hostId) {
        return "a domain with UUID " + uuid + " is defined on " + hostId + "; its data is not replaced";
    }

    static String definedDiscard(UUID uuid, String hostId) {
        return "a domain with UUID " + uuid + " is defined on " + hostId + "; undefine it first";
    }

    static String staleAttempt(String migrationId, int asked, int known) {
        return "stale attempt " + asked + " of " + migrationId + ": this host has attempt " + known;
    }

    /** "disk full on host-2: the copy needs 50.0 MiB, 12.3 MiB free" */
    static String diskFull(String hostId, long needs, long free) {
        return "disk full on " + hostId + ": the copy needs " + mib(needs) + ", " + (free < 0 ? "unknown" : mib(free)) + " free";
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
