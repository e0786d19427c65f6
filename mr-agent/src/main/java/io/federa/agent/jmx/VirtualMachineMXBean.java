package io.federa.agent.jmx;

/**
 * {@code federa:type=VirtualMachine,name=<vm>}: one VM as last sampled. Counters are totals
 * since the VM started; rates are per second over the last sample interval.
 */
public interface VirtualMachineMXBean {
    String getName();

    String getUuid();

    /** RUNNING, PAUSED, SHUTTING_DOWN, SHUT_OFF, CRASHED, PM_SUSPENDED or UNKNOWN. */
    String getState();

    String getApplication();

    String getService();

    int getHypervisorId();

    String getOsType();

    boolean isPersistent();

    boolean isAutostart();

    int getVcpus();

    long getMemoryBytes();

    long getMaxMemoryBytes();

    long getCpuTimeNanoseconds();

    /** 0 to 1 of the VM's vCPUs. */
    double getCpuLoadRatio();

    boolean isLoadSimulated();

    long getDiskCapacityBytes();

    long getDiskReadBytes();

    long getDiskWriteBytes();

    long getDiskReadRequests();

    long getDiskWriteRequests();

    double getDiskReadBytesPerSecond();

    double getDiskWriteBytesPerSecond();

    long getNetworkReceivedBytes();

    long getNetworkTransmittedBytes();

    long getNetworkReceivedPackets();

    long getNetworkTransmittedPackets();

    double getNetworkReceiveBytesPerSecond();

    double getNetworkTransmitBytesPerSecond();

    long getUptimeSeconds();

    /**
     * Sets the VM's CPU load to a fixed ratio (0 to 1), for demos and tests. Refused unless the
     * agent runs libvirt's test driver, where domains have no real load.
     */
    void simulateLoad(double ratio);

    /** Returns the VM to its measured load. */
    void clearSimulatedLoad();
}
