package io.federa.manager.core.cost;

/**
 * What was used over some time: CPU time in nanoseconds (as hypervisors count it), storage
 * allocated in GiB-hours, bytes and packets sent. Sums, never negative.
 */
public record Usage(long cpuNanoseconds, double storageGiBHours, long bytesSent, long packetsSent) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0);
    public static final double BYTES_PER_GIB = 1024.0 * 1024 * 1024;
    public static final double BYTES_PER_GB = 1e9;
    public static final double MILLIS_PER_HOUR = 3_600_000.0;

    public Usage {
        if (cpuNanoseconds < 0 || storageGiBHours < 0 || bytesSent < 0 || packetsSent < 0) {
            throw new IllegalArgumentException("usage is never negative: " + cpuNanoseconds + " ns, " + storageGiBHours
                    + " GiB-h, " + bytesSent + " B, " + packetsSent + " packets");
        }
    }

    /** {@code bytes} allocated for {@code millis}, in GiB-hours. */
    public static double gibHours(long bytes, long millis) {
        return bytes / BYTES_PER_GIB * (millis / MILLIS_PER_HOUR);
    }

    public double cpuSeconds() {
        return cpuNanoseconds / 1e9;
    }

    public Usage plus(Usage o) {
        return new Usage(cpuNanoseconds + o.cpuNanoseconds, storageGiBHours + o.storageGiBHours, bytesSent + o.bytesSent,
                packetsSent + o.packetsSent);
    }

    public boolean isZero() {
        return equals(ZERO);
    }
}
