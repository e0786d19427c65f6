package io.federa.manager.core.migration;

import java.util.Objects;
import java.util.Optional;

/**
 * One VM's move from its host to another, with its data, as journaled: every change of phase is
 * written to the store before it is acted on, so a manager that restarts resumes it where it was.
 * Immutable; {@link MigrationMachine} makes the next one.
 *
 * @param epoch        the instance's epoch at the source; the destination defines and runs it under {@code epoch + 1}
 * @param wasRunning   whether the VM ran when the migration began: only then is it started at the destination
 *                     (or again at the source after a rollback)
 * @param destination  chosen when the migration leaves REQUESTED (or the operator's, checked then)
 * @param requestedTo  the destination the operator asked for, if any
 * @param drain        the host whose drain asked for this move, if any
 * @param attempt      the copy attempt (1 on the first; each has its own one-time token)
 * @param starts       how often the destination was asked to start it (a VM that stops while verifying is started again)
 * @param failures     failures in a row in the current phase
 * @param sourceRestarted     rolling back: the source runs the VM again (or it did not run before)
 * @param destinationCleared  rolling back: the destination holds no definition and no data of it
 * @param note         the last thing worth saying: why it waits, why it failed, how it ended
 * @param progressAtMillis    the last time it moved forward (a phase, or bytes copied)
 * @param bytesDone    bytes of the current copy attempt received by the destination
 * @param bytesTotal   bytes the source announced for the copy
 * @param sha256       the verified digest of the copy
 * @param allowDowntime the operator accepts that the move takes the application below {@code minAvailable}
 * @param code         why it waits (REQUESTED) or why it never began (NOT_STARTED), for code to decide on;
 *                     the note says it for people
 * @param surgeAs      a surge: the new instance started at the destination before the VM stops at its source
 *                     (its application keeps no local data and has replicas to spare); empty for a move of the VM itself
 */
public record Migration(String id, String vm, String uuid, String application, String service, String source,
                        long epoch, boolean wasRunning, Optional<String> destination, Optional<String> requestedTo,
                        Optional<String> drain, String requestedBy, Phase phase, int attempt, int starts, int failures,
                        boolean sourceRestarted, boolean destinationCleared, String note, long requestedAtMillis,
                        long phaseSinceMillis, long progressAtMillis, long bytesDone, long bytesTotal,
                        double rateBytesPerSecond, Optional<String> sha256,
                        boolean allowDowntime, Optional<AdmissionCode> code, Optional<String> surgeAs) {
    public Migration {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(application, "application");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(phase, "phase");
        destination = destination == null ? Optional.empty() : destination;
        requestedTo = requestedTo == null ? Optional.empty() : requestedTo;
        drain = drain == null ? Optional.empty() : drain;
        sha256 = sha256 == null ? Optional.empty() : sha256;
        code = code == null ? Optional.empty() : code;
        surgeAs = surgeAs == null ? Optional.empty() : surgeAs;
        note = note == null ? "" : note;
        requestedBy = requestedBy == null ? "" : requestedBy;
        if (epoch < 1) {
            throw new IllegalArgumentException("only VMs the manager placed (epoch 1 or more) migrate; " + vm + " has epoch " + epoch);
        }
        if (phase.ordinal() > Phase.REQUESTED.ordinal() && phase != Phase.ROLLED_BACK && phase != Phase.NOT_STARTED
                && destination.isEmpty()) {
            throw new IllegalArgumentException("migration " + id + " is " + phase + " without a destination");
        }
    }

    /** A new migration, waiting for its turn. */
    public static Migration requested(String id, String vm, String uuid, String application, String service, String source,
                                      long epoch, boolean wasRunning, Optional<String> to, Optional<String> drain,
                                      String by, long nowMillis) {
        return requested(id, vm, uuid, application, service, source, epoch, wasRunning, to, drain, by, false, nowMillis);
    }

    /** A new migration, waiting for its turn; {@code allowDowntime}: it may take its application below {@code minAvailable}. */
    public static Migration requested(String id, String vm, String uuid, String application, String service, String source,
                                      long epoch, boolean wasRunning, Optional<String> to, Optional<String> drain,
                                      String by, boolean allowDowntime, long nowMillis) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, Optional.empty(), to, drain, by,
                Phase.REQUESTED, 0, 0, 0, false, false, "waiting for its turn", nowMillis, nowMillis, nowMillis, 0, 0, 0,
                Optional.empty(), allowDowntime, Optional.empty(), Optional.empty());
    }

    /** The same migration, now allowed (or not) to take its application below {@code minAvailable}. */
    public Migration withAllowDowntime(boolean allow) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, destination, requestedTo, drain,
                requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note, requestedAtMillis,
                phaseSinceMillis, progressAtMillis, bytesDone, bytesTotal, rateBytesPerSecond, sha256, allow, code, surgeAs);
    }

    /** The number in a migration id, which orders moves as they were asked: {@code m-12} → 12. */
    public static long sequence(String id) {
        int dash = id.lastIndexOf('-');
        try {
            return Long.parseLong(id.substring(dash + 1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("a migration id is m-<number>, got " + id);
        }
    }

    /** The epoch the VM has at the destination: the next one, or 1 for a surge's new instance. */
    public long destinationEpoch() {
        return surge() ? 1 : epoch + 1;
    }

    /**
     * How long the move has not moved forward (a new phase, or bytes copied) at {@code nowMillis}:
     * what federa_migration_stalled_seconds exports and what makes a migration stuck ({@link Stuck}).
     */
    public long stalledMillis(long nowMillis) {
        return Math.max(0, nowMillis - progressAtMillis);
    }

    public String destinationOrNone() {
        return destination.orElse("-");
    }

    Migration with(Phase phase, int attempt, int starts, int failures, boolean sourceRestarted, boolean destinationCleared,
                   String note, long phaseSince, long progressAt) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, destination, requestedTo, drain,
                requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note, requestedAtMillis,
                phaseSince, progressAt, bytesDone, bytesTotal, rateBytesPerSecond, sha256, allowDowntime, Optional.empty(), surgeAs);
    }

    Migration withCode(AdmissionCode c) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, destination, requestedTo, drain,
                requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note, requestedAtMillis,
                phaseSinceMillis, progressAtMillis, bytesDone, bytesTotal, rateBytesPerSecond, sha256, allowDowntime,
                Optional.of(c), surgeAs);
    }

    Migration withSurge(String instance) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, destination, requestedTo, drain,
                requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note, requestedAtMillis,
                phaseSinceMillis, progressAtMillis, bytesDone, bytesTotal, rateBytesPerSecond, sha256, allowDowntime, code,
                Optional.of(instance));
    }

    /** Whether the new instance runs at the destination before this VM stops. */
    public boolean surge() {
        return surgeAs.isPresent();
    }

    /**
     * Whether the move is past its point of no return: the destination may have run the VM (from
     * STARTING on), or, for a surge, the new instance ran its settle period and the source's VM stops.
     */
    public boolean committed() {
        return phase.committed() || (surge() && phase == Phase.STOPPING);
    }

    /** The VM the destination defines, starts and runs: this one, or for a surge the new instance. */
    public String destinationVm() {
        return surgeAs.orElse(vm);
    }

    Migration withDestination(String host) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, Optional.of(host), requestedTo,
                drain, requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note,
                requestedAtMillis, phaseSinceMillis, progressAtMillis, bytesDone, bytesTotal, rateBytesPerSecond, sha256,
                allowDowntime, code, surgeAs);
    }

    Migration withCopy(long done, long total, double rate, Optional<String> digest, long progressAt) {
        return new Migration(id, vm, uuid, application, service, source, epoch, wasRunning, destination, requestedTo, drain,
                requestedBy, phase, attempt, starts, failures, sourceRestarted, destinationCleared, note, requestedAtMillis,
                phaseSinceMillis, progressAt, done, total, rate, digest, allowDowntime, code, surgeAs);
    }
}
