package io.federa.manager.core.spec;

/**
 * What one instance of an application needs from a host.
 *
 * @param diskFormat the format of its disk image as the agent makes it: {@code raw} (the default)
 *                   or {@code qcow2}; passed to the agent in the VM's spec, placement ignores it
 */
public record Resources(int vcpus, long memoryMiB, long diskGiB, long networkMbps, String diskFormat) {
    public static final String RAW = "raw";
    public static final String QCOW2 = "qcow2";

    public Resources {
        diskFormat = diskFormat == null ? RAW : diskFormat;
    }

    /** Resources whose disk is raw. */
    public Resources(int vcpus, long memoryMiB, long diskGiB, long networkMbps) {
        this(vcpus, memoryMiB, diskGiB, networkMbps, RAW);
    }
}
