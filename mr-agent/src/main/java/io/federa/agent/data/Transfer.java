package io.federa.agent.data;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One transfer of a VM's data, in or out, as it progresses. Written by the thread that moves the
 * bytes, read by anyone: the counters are atomic and the phase is published last.
 */
final class Transfer {
    enum Direction {
        IN, OUT;

        String word() {
            return this == IN ? "in" : "out";
        }
    }

    /** RUNNING, then VERIFIED (an import checked and in place), SENT (an export's last byte written) or FAILED. */
    enum Phase { RUNNING, VERIFIED, SENT, FAILED, UNKNOWN }

    final String migrationId;
    final int attempt;
    final Direction direction;
    final String vm;
    final UUID uuid;
    final long bytesTotal;
    final long startedAtMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final AtomicLong bytesDone = new AtomicLong();
    private volatile long endNanos;
    private volatile String error;
    private volatile String sha256;
    private volatile Phase phase = Phase.RUNNING;

    Transfer(String migrationId, int attempt, Direction direction, String vm, UUID uuid, long bytesTotal) {
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.direction = direction;
        this.vm = vm;
        this.uuid = uuid;
        this.bytesTotal = bytesTotal;
    }

    void add(long n) {
        bytesDone.addAndGet(n);
    }

    Phase phase() {
        return phase;
    }

    boolean finished() {
        return phase != Phase.RUNNING;
    }

    /** Ends the transfer; the first end wins (a cancel racing a failure keeps the first reason). */
    synchronized boolean finish(Phase p, String sha, String why) {
        if (phase != Phase.RUNNING) {
            return false;
        }
        endNanos = System.nanoTime();
        sha256 = sha;
        error = why;
        phase = p;
        return true;
    }

    TransferStatus status() {
        Phase p = phase;
        long end = p == Phase.RUNNING ? System.nanoTime() : endNanos;
        long elapsedMillis = Math.max(0, (end - startNanos) / 1_000_000);
        long done = bytesDone.get();
        double rate = elapsedMillis == 0 ? 0 : done * 1000.0 / elapsedMillis;
        return new TransferStatus(migrationId, attempt, direction.word(), vm, uuid.toString(), p.name(), done, bytesTotal, rate,
                elapsedMillis, startedAtMillis, Optional.ofNullable(sha256), Optional.ofNullable(error));
    }
}
