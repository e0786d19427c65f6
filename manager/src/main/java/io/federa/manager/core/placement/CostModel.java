package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.spec.Resources;

/**
 * The projected cost of one instance for one hour on one host, in the host's currency, from the
 * host's rates and what the instance reserves:
 *
 * <pre>
 *   cpu      = vcpus × 3600 s × costPerCpuSecond          each reserved vCPU counted busy all hour
 *   storage  = diskGiB × costPerStorageGiBHour
 *   bytes/h  = networkMbps × 10⁶ / 8 × 3600 × networkLoadRatio
 *   network  = bytes/h / 10⁹ × costPerNetworkGB            GB as networks sell them, 10⁹ bytes
 *   packets  = bytes/h / 1500 × costPerNetworkPacket       full-size Ethernet payloads
 *   cost/h   = cpu + storage + network + packets
 * </pre>
 *
 * It is a reservation price: what the instance may use, not what it will (no history is needed,
 * and two hosts compare on the same assumption). Hosts in different currencies are compared as
 * plain numbers; a federation that mixes currencies should not ask for the cheapest host.
 */
public final class CostModel {
    /** Bytes of one full-size packet's payload, for the per-packet rate. */
    public static final double BYTES_PER_PACKET = 1500;

    private CostModel() {
    }

    public static double costPerHour(HostStatus host, Resources need, double networkLoadRatio) {
        return costPerHour(host.costPerCpuSecond(), host.costPerStorageGiBHour(), host.costPerNetworkGB(),
                host.costPerNetworkPacket(), need, networkLoadRatio);
    }

    public static double costPerHour(double perCpuSecond, double perStorageGiBHour, double perNetworkGB,
                                     double perNetworkPacket, Resources need, double networkLoadRatio) {
        return costPerHour(factors(need, networkLoadRatio), perCpuSecond, perStorageGiBHour, perNetworkGB, perNetworkPacket);
    }

    /** What multiplies each rate: CPU-seconds, GiB, GB and packets per hour. */
    static double[] factors(Resources need, double networkLoadRatio) {
        double bytesPerHour = bytesPerHour(need, networkLoadRatio);
        return new double[] {need.vcpus() * 3600.0, need.diskGiB(), bytesPerHour / 1e9, bytesPerHour / BYTES_PER_PACKET};
    }

    static double costPerHour(double[] factors, double perCpuSecond, double perStorageGiBHour, double perNetworkGB,
                              double perNetworkPacket) {
        return factors[0] * perCpuSecond + factors[1] * perStorageGiBHour + factors[2] * perNetworkGB
                + factors[3] * perNetworkPacket;
    }

    static double bytesPerHour(Resources need, double networkLoadRatio) {
        return need.networkMbps() * 1e6 / 8 * 3600 * networkLoadRatio;
    }
}
