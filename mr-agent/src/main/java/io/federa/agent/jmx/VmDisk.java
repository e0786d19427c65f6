package io.federa.agent.jmx;

import java.beans.ConstructorProperties;

/**
 * A VM's disks, summed over its devices: defined size, totals since the VM started (-1 when the
 * hypervisor cannot tell) and rates over the last sample interval. Travels as one CompositeData.
 */
public final class VmDisk {
    private final long capacityBytes;
    private final long readBytes;
    private final long writeBytes;
    private final long readRequests;
    private final long writeRequests;
    private final double readBytesPerSecond;
    private final double writeBytesPerSecond;

    @ConstructorProperties({"capacityBytes", "readBytes", "writeBytes", "readRequests", "writeRequests",
            "readBytesPerSecond", "writeBytesPerSecond"})
    public VmDisk(long capacityBytes, long readBytes, long writeBytes, long readRequests, long writeRequests,
                  double readBytesPerSecond, double writeBytesPerSecond) {
        this.capacityBytes = capacityBytes;
        this.readBytes = readBytes;
        this.writeBytes = writeBytes;
        this.readRequests = readRequests;
        this.writeRequests = writeRequests;
        this.readBytesPerSecond = readBytesPerSecond;
        this.writeBytesPerSecond = writeBytesPerSecond;
    }

    public long getCapacityBytes() { return capacityBytes; }
    public long getReadBytes() { return readBytes; }
    public long getWriteBytes() { return writeBytes; }
    public long getReadRequests() { return readRequests; }
    public long getWriteRequests() { return writeRequests; }
    public double getReadBytesPerSecond() { return readBytesPerSecond; }
    public double getWriteBytesPerSecond() { return writeBytesPerSecond; }
}
