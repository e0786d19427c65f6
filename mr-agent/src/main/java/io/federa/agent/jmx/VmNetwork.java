package io.federa.agent.jmx;

import java.beans.ConstructorProperties;

/**
 * A VM's network interfaces, summed: totals since the VM started (-1 when the hypervisor cannot
 * tell) and rates over the last sample interval. Travels as one CompositeData.
 */
public final class VmNetwork {
    private final long receivedBytes;
    private final long transmittedBytes;
    private final long receivedPackets;
    private final long transmittedPackets;
    private final double receiveBytesPerSecond;
    private final double transmitBytesPerSecond;
    private final double transmitPacketsPerSecond;

    @ConstructorProperties({"receivedBytes", "transmittedBytes", "receivedPackets", "transmittedPackets",
            "receiveBytesPerSecond", "transmitBytesPerSecond", "transmitPacketsPerSecond"})
    public VmNetwork(long receivedBytes, long transmittedBytes, long receivedPackets, long transmittedPackets,
                     double receiveBytesPerSecond, double transmitBytesPerSecond, double transmitPacketsPerSecond) {
        this.receivedBytes = receivedBytes;
        this.transmittedBytes = transmittedBytes;
        this.receivedPackets = receivedPackets;
        this.transmittedPackets = transmittedPackets;
        this.receiveBytesPerSecond = receiveBytesPerSecond;
        this.transmitBytesPerSecond = transmitBytesPerSecond;
        this.transmitPacketsPerSecond = transmitPacketsPerSecond;
    }

    public long getReceivedBytes() { return receivedBytes; }
    public long getTransmittedBytes() { return transmittedBytes; }
    public long getReceivedPackets() { return receivedPackets; }
    public long getTransmittedPackets() { return transmittedPackets; }
    public double getReceiveBytesPerSecond() { return receiveBytesPerSecond; }
    public double getTransmitBytesPerSecond() { return transmitBytesPerSecond; }
    public double getTransmitPacketsPerSecond() { return transmitPacketsPerSecond; }
}
