package io.federa.manager.core.placement;

/**
 * Why a host was refused for an instance: one constant per check of the placement chain,
 * declared in the order the chain runs them (cheap and decisive first). The {@link #code()} is
 * stable — scripts, golden files and the CLI match on it; the sentence that goes with it
 * ({@link Refusal#message()}) carries the numbers and units of the case at hand.
 */
public enum Reason {
    /** The host's agent does not answer, or never reported its host. */
    HOST_UNREACHABLE,
    /** An operator cordoned the host: nothing new goes there. */
    HOST_CORDONED,
    /** The host does not offer the application's runtime. */
    RUNTIME_NOT_OFFERED,
    /** The application must never run offsite and the host is offsite. */
    OFFSITE_FORBIDDEN,
    /** The host's security level is below the application's minimum. */
    SECURITY_LEVEL_TOO_LOW,
    /** Not enough vCPUs left, counting the overcommit ratio. */
    INSUFFICIENT_CPU,
    /** Not enough memory left. */
    INSUFFICIENT_MEMORY,
    /** Not enough disk left. */
    INSUFFICIENT_DISK,
    /** Not enough network bandwidth left. */
    INSUFFICIENT_NETWORK,
    /** Another replica of the application is on this host (spread over hosts). */
    ANTI_AFFINITY_HOST,
    /** Another replica of the application is on this host's site (spread over sites). */
    ANTI_AFFINITY_SITE,
    /** The application and one on the host must not share a host (either one's {@code avoid}). */
    AVOIDED_APPLICATION;

    /** The stable code, the constant's name. */
    public String code() {
        return name();
    }

    /** Whether more room on the host (capacity freed) could lift this refusal. */
    public boolean capacity() {
        return this == INSUFFICIENT_CPU || this == INSUFFICIENT_MEMORY || this == INSUFFICIENT_DISK
                || this == INSUFFICIENT_NETWORK;
    }
}
