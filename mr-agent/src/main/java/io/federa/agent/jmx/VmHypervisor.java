package io.federa.agent.jmx;

import java.beans.ConstructorProperties;

/**
 * How the hypervisor holds a VM: its domain id (-1 when not running), OS type, whether it is
 * persistent and starts with the host, and its memory ceiling. Travels as one CompositeData.
 */
public final class VmHypervisor {
    private final int domainId;
    private final String osType;
    private final boolean persistent;
    private final boolean autostart;
    private final long maxMemoryBytes;

    @ConstructorProperties({"domainId", "osType", "persistent", "autostart", "maxMemoryBytes"})
    public VmHypervisor(int domainId, String osType, boolean persistent, boolean autostart, long maxMemoryBytes) {
        this.domainId = domainId;
        this.osType = osType;
        this.persistent = persistent;
        this.autostart = autostart;
        this.maxMemoryBytes = maxMemoryBytes;
    }

    public int getDomainId() { return domainId; }
    public String getOsType() { return osType; }
    public boolean isPersistent() { return persistent; }
    public boolean isAutostart() { return autostart; }
    public long getMaxMemoryBytes() { return maxMemoryBytes; }
}
