package io.federa.agent.jmx;

/**
 * {@code federa:type=VirtualMachine,name=<vm>}: one VM as last sampled. Counters are totals since
 * the VM started; rates are per second over the last sample interval.
 *
 * <p>Disk, network and hypervisor details come as one composite attribute each rather than
 * twenty scalars: the manager reads every attribute of every VM each second, and Jolokia's cost
 * grows with the number of attributes (measured with 1,000 VMs: 30 scalar attributes, p50 53 ms;
 * 10, p50 20 ms).
 */
public interface VirtualMachineMXBean {
    String getName();

    String getUuid();

    /** RUNNING, PAUSED, SHUTTING_DOWN, SHUT_OFF, CRASHED, PM_SUSPENDED or UNKNOWN. */
    String getState();

    String getApplication();

    String getService();

    /** The epoch the manager gave this VM through {@code execute}; 0 for a VM not managed that way. */
    long getEpoch();

    int getVcpus();

    long getMemoryBytes();

    long getCpuTimeNanoseconds();

    /** 0 to 1 of the VM's vCPUs; simulated when {@link #isLoadSimulated()}. */
    double getCpuLoadRatio();

    boolean isLoadSimulated();

    long getUptimeSeconds();

    VmDisk getDisk();

    VmNetwork getNetwork();

    VmHypervisor getHypervisor();

    /**
     * Where the guest's forwarded ports are reached from this host:
     * {@code guestPort=127.0.0.1:hostPort} for a TCP port and {@code guestPort/udp=…} for a UDP
     * port, comma-separated, TCP first, each in guest-port order (e.g.
     * {@code 80=127.0.0.1:41999,8080=127.0.0.1:42011,161/udp=127.0.0.1:42017}); empty when none is
     * forwarded (the spec named no port, the test driver, or a guest on a libvirt network).
     */
    String getEndpoints();

    /**
     * Sets the VM's CPU load to a fixed ratio (0 to 1), for demos and tests. Refused unless the
     * agent runs libvirt's test driver, where domains have no real load.
     */
    void simulateLoad(double ratio);

    /** Returns the VM to its measured load. */
    void clearSimulatedLoad();
}
