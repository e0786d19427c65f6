package io.federa.manager.core.placement;

import io.federa.manager.core.inventory.AgentHealth;
import io.federa.manager.core.inventory.HostStatus;
import io.federa.manager.core.inventory.InventorySnapshot;
import io.federa.manager.core.inventory.VmStatus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hosts and their VMs for placement tests, fluent and with plain defaults (a local kvm host of
 * site "paris", 16 CPUs, 64 GiB, 2000 GiB, 10 Gbps, the demo's EUR rates):
 * {@code HostBuilder.host("h1").cpus(8).memoryMiB(4096).vm("web-1", "web", 2, 2048, 20)}.
 * What a host has allocated is, unless set, the sum over its VMs, as its agent would report it.
 */
public final class HostBuilder {
    private final String id;
    private String site = "paris";
    private boolean offsite;
    private int securityLevel;
    private List<String> runtimes = List.of("kvm");
    private int cpus = 16;
    private long memoryMiB = 65536;
    private long storageGiB = 2000;
    private long networkMbps = 10_000;
    private double networkUsedMbps;
    private Integer vcpusAllocated;
    private Long memoryAllocatedMiB;
    private Long storageAllocatedGiB;
    private String currency = "EUR";
    private double perCpuSecond = 0.000014;
    private double perStorageGiBHour = 0.00014;
    private double perNetworkGB = 0.02;
    private double perNetworkPacket = 0.0000001;
    private boolean reachable = true;
    private boolean reported = true;
    private String agent;
    private final List<VmStatus> vms = new ArrayList<>();

    private HostBuilder(String id) {
        this.id = id;
    }

    public static HostBuilder host(String id) {
        return new HostBuilder(id);
    }

    public String id() {
        return id;
    }

    public HostBuilder site(String s) { site = s; return this; }
    public HostBuilder offsite(boolean b) { offsite = b; return this; }
    public HostBuilder securityLevel(int l) { securityLevel = l; return this; }
    public HostBuilder runtimes(List<String> r) { runtimes = List.copyOf(r); return this; }
    public HostBuilder cpus(int c) { cpus = c; return this; }
    public HostBuilder memoryMiB(long m) { memoryMiB = m; return this; }
    public HostBuilder storageGiB(long g) { storageGiB = g; return this; }
    public HostBuilder networkMbps(long n) { networkMbps = n; return this; }
    public HostBuilder networkUsedMbps(double n) { networkUsedMbps = n; return this; }
    public HostBuilder vcpusAllocated(int v) { vcpusAllocated = v; return this; }
    public HostBuilder memoryAllocatedMiB(long m) { memoryAllocatedMiB = m; return this; }
    public HostBuilder storageAllocatedGiB(long g) { storageAllocatedGiB = g; return this; }
    public HostBuilder currency(String c) { currency = c; return this; }
    public HostBuilder perCpuSecond(double r) { perCpuSecond = r; return this; }
    public HostBuilder perStorageGiBHour(double r) { perStorageGiBHour = r; return this; }
    public HostBuilder perNetworkGB(double r) { perNetworkGB = r; return this; }
    public HostBuilder perNetworkPacket(double r) { perNetworkPacket = r; return this; }
    public HostBuilder reachable(boolean b) { reachable = b; return this; }
    public HostBuilder reported(boolean b) { reported = b; return this; }
    public HostBuilder agent(String a) { agent = a; return this; }

    public HostBuilder vm(String name, String application, int vcpus, long memoryMiB, long diskGiB) {
        return vm(name, application, vcpus, memoryMiB, diskGiB, "RUNNING");
    }

    public HostBuilder vm(String name, String application, int vcpus, long memoryMiB, long diskGiB, String state) {
        vms.add(new VmStatus(name, "uuid-" + name, id, state, application, application.isEmpty() ? "" : "svc", vcpus,
                memoryMiB << 20, diskGiB << 30, 0, 0, 0, 60));
        return this;
    }

    public String agentName() {
        return agent == null ? "agent-" + id : agent;
    }

    public HostStatus status() {
        int vc = vcpusAllocated != null ? vcpusAllocated : vms.stream().mapToInt(VmStatus::vcpus).sum();
        long mem = memoryAllocatedMiB != null ? memoryAllocatedMiB << 20 : vms.stream().mapToLong(VmStatus::memoryBytes).sum();
        long disk = storageAllocatedGiB != null ? storageAllocatedGiB << 30 : vms.stream().mapToLong(VmStatus::diskBytes).sum();
        return new HostStatus(id, site, offsite, securityLevel, runtimes, cpus, vc, memoryMiB << 20, mem,
                storageGiB << 30, disk, networkMbps * 1_000_000L, networkUsedMbps * 1e6, currency, perCpuSecond,
                perStorageGiBHour, perNetworkGB, perNetworkPacket, "0.1.0", 1_000);
    }

    public InventorySnapshot.Entry entry() {
        AgentHealth health = reachable && reported ? new AgentHealth(AgentHealth.State.REACHABLE, 0, 0, 0, "", 1_000)
                : new AgentHealth(AgentHealth.State.UNREACHABLE, 3, 0, 0, "connection refused", 0);
        return new InventorySnapshot.Entry(agentName(), health, reported ? Optional.of(status()) : Optional.empty(),
                reported ? vms : List.of());
    }

    /** A snapshot of these hosts, their agents in the order given. */
    public static InventorySnapshot snapshot(List<HostBuilder> hosts) {
        Map<String, InventorySnapshot.Entry> m = new LinkedHashMap<>();
        for (HostBuilder h : hosts) {
            m.put(h.agentName(), h.entry());
        }
        return new InventorySnapshot(m, 1_000);
    }
}
