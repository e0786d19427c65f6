package io.federa.agent.jmx;

import io.federa.agent.data.TransferStatus;

import java.beans.ConstructorProperties;

/**
 * One transfer of a VM's data, in or out, as the {@code Transfers} attribute lists it. Travels
 * as one CompositeData; {@code error} is empty unless the transfer failed.
 */
public final class TransferInfo {
    private final String migrationId;
    private final int attempt;
    private final String direction;
    private final String vm;
    private final String uuid;
    private final String phase;
    private final long bytesDone;
    private final long bytesTotal;
    private final double rateBytesPerSecond;
    private final String error;

    @ConstructorProperties({"migrationId", "attempt", "direction", "vm", "uuid", "phase", "bytesDone", "bytesTotal",
            "rateBytesPerSecond", "error"})
    public TransferInfo(String migrationId, int attempt, String direction, String vm, String uuid, String phase,
                        long bytesDone, long bytesTotal, double rateBytesPerSecond, String error) {
        this.migrationId = migrationId;
        this.attempt = attempt;
        this.direction = direction;
        this.vm = vm;
        this.uuid = uuid;
        this.phase = phase;
        this.bytesDone = bytesDone;
        this.bytesTotal = bytesTotal;
        this.rateBytesPerSecond = rateBytesPerSecond;
        this.error = error;
    }

    static TransferInfo of(TransferStatus s) {
        return new TransferInfo(s.migrationId(), s.attempt(), s.direction(), s.vm(), s.uuid(), s.phase(), s.bytesDone(),
                s.bytesTotal(), s.rateBytesPerSecond(), s.error().orElse(""));
    }

    public String getMigrationId() { return migrationId; }
    public int getAttempt() { return attempt; }
    public String getDirection() { return direction; }
    public String getVm() { return vm; }
    public String getUuid() { return uuid; }
    public String getPhase() { return phase; }
    public long getBytesDone() { return bytesDone; }
    public long getBytesTotal() { return bytesTotal; }
    public double getRateBytesPerSecond() { return rateBytesPerSecond; }
    public String getError() { return error; }
}
