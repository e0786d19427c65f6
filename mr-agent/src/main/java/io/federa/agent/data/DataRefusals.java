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

    static String notMovable(UUID uuid, String hostId, String why) {
        return "the data of VM " + uuid + " on " + hostId + " is not moved: " + why;
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

    /**
     * What a source's HTTP status means, in fixed words. The answer's body is never read or shown:
     * the URL comes from a command, and echoing what answered there would let a command read any
     * page this host can reach.
     */
    static String sourceStatus(int code) {
        return switch (code) {
            case 401 -> "it wants a token (not a Federa agent's data endpoint, or an old one)";
            case 403 -> "it does not know the token, or offered it for another VM";
            case 404 -> "it has no such data";
            case 409 -> "the VM runs there; stop it first";
            case 410 -> "the token is spent, replaced or expired";
            case 503 -> "it is busy; try again";
            default -> code >= 300 && code < 400 ? "a redirect, which is never followed"
                    : "not a Federa agent's answer to a data request";
        };
    }

    /** The refusal of a stream that carries more data than its source announced. */
    static String tooMuch(long announced) {
        return "the source sent more than the " + announced + " bytes of data it announced: the copy stops there";
    }
}
