package io.federa.agent.libvirt;

import io.federa.agent.core.HostObservation;
import io.federa.agent.core.VmObservation;
import io.federa.agent.core.VmSpec;
import io.federa.agent.core.VmState;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainBlockStats;
import org.libvirt.DomainInfo;
import org.libvirt.DomainInterfaceStats;
import org.libvirt.ErrorCallback;
import org.libvirt.Library;
import org.libvirt.LibvirtException;
import org.libvirt.NodeInfo;
import org.libvirt.StoragePool;
import org.libvirt.StoragePoolInfo;
import org.libvirt.VcpuInfo;
import org.libvirt.event.DomainEventType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's only door to the hypervisor. Every method blocks on libvirt: callers run it on
 * the agent's own libvirt threads (the sampler's and the command executor's), never on a
 * thread that serves requests.
 *
 * <p>What a domain's XML says (labels, devices) is read once per definition and cached by UUID;
 * the cache is dropped on the domain's DEFINED and UNDEFINED events and by our own commands.
 */
public final class LibvirtHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtHost.class);
    /** virDomainXMLFlags VIR_DOMAIN_XML_INACTIVE: the persistent definition. */
    private static final int XML_INACTIVE = 2;
    /** Kept in a field: JNA callbacks must stay reachable for as long as libvirt may call them. */
    private static final ErrorCallback QUIET = new ErrorCallback();
    private static volatile boolean eventLoopStarted;

    private final String uri;
    private final BulkStats.Connection conn;
    private final String domainType;
    private final Map<String, DomainXml.Description> descriptions = new ConcurrentHashMap<>();
    /** The address each running guest on a libvirt network or a bridge was last seen at, by UUID. */
    private final Map<String, String> addresses = new ConcurrentHashMap<>();
    /** The neighbour table as read once in the current {@link #observe} pass (the sampler's thread); null until needed. */
    private Map<String, List<String>> neighbours;
    private volatile GuestBoot guestBoot;

    /** What the VMs this agent defines on a real hypervisor boot: {@link DomainXml.KernelBoot} less the console. */
    public record GuestBoot(Path kernel, Path initrd, String cmdline, String forwardAddress) {
    }

    /**
     * What the bulk statistics do not say of a domain, cached as its description is (dropped when
     * its definition changes). libvirt sends no event when only autostart is switched: an operator's
     * switch shows at the domain's next definition change; the agent's own commands forget it.
     */
    private record Facts(String osType, boolean persistent, boolean autostart) {
    }

    private final Map<String, Facts> facts = new ConcurrentHashMap<>();

    private LibvirtHost(String uri, BulkStats.Connection conn, String domainType) {
        this.uri = uri;
        this.conn = conn;
        this.domainType = domainType;
    }

    /**
     * Opens a connection and subscribes to domain lifecycle events, which are handed to
     * {@code onEvent} on libvirt's event thread (the callee must only hand them off).
     */
    public static LibvirtHost open(String uri, Consumer<String> onEvent) throws LibvirtException {
        startEventLoop();
        BulkStats.Connection conn = new BulkStats.Connection(uri);
        String type = conn.getType();
        LibvirtHost host = new LibvirtHost(uri, conn, domainTypeFor(type, conn));
        conn.addLifecycleListener((domain, event) -> {
            try {
                String uuid = domain.getUUIDString();
                DomainEventType t = event.getType();
                // A start gives the live definition its devices' host side (a tap's name, which the
                // network counters are read by), a stop takes it away: the description is read again.
                if (t == DomainEventType.DEFINED || t == DomainEventType.UNDEFINED || t == DomainEventType.STARTED
                        || t == DomainEventType.STOPPED) {
                    host.forget(uuid);
                }
                onEvent.accept(uuid);
            } catch (LibvirtException | RuntimeException e) {
                onEvent.accept("");
            }
            return 0;
        });
        return host;
    }

    private static synchronized void startEventLoop() throws LibvirtException {
        if (eventLoopStarted) {
            return;
        }
        Connect.setErrorCallback(QUIET);
        Library.initEventLoop();
        Thread t = new Thread(() -> {
            try {
                Library.runEventLoop();
            } catch (LibvirtException e) {
                LOG.error("libvirt's event loop stopped; state changes will show at the next sample only", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "libvirt-events");
        t.setDaemon(true);
        t.start();
        eventLoopStarted = true;
    }

    /**
     * The domain type to define. On QEMU, kvm only where the hypervisor itself says it can use it:
     * a /dev/kvm that exists may still be closed to the user the hypervisor runs as (a session
     * daemon of an ordinary user), and then only software emulation (qemu) starts.
     */
    private static String domainTypeFor(String connectionType, Connect conn) throws LibvirtException {
        return switch (connectionType.toUpperCase(java.util.Locale.ROOT)) {
            case "TEST" -> "test";
            case "QEMU" -> offersKvm(conn.getCapabilities()) ? "kvm" : "qemu";
            default -> connectionType.toLowerCase(java.util.Locale.ROOT);
        };
    }

    static boolean offersKvm(String capabilities) {
        return capabilities.contains("<domain type='kvm'") || capabilities.contains("<domain type=\"kvm\"");
    }

    /** Sets what the VMs this agent defines on a real hypervisor boot. */
    public void bootGuestsFrom(GuestBoot boot) {
        this.guestBoot = boot;
    }

    /** The domain type this agent defines: test, qemu or kvm. */
    public String domainType() {
        return domainType;
    }

    public String uri() {
        return uri;
    }

    public boolean isTestDriver() {
        return "test".equals(domainType);
    }

    /** Reads the node, its pools and every domain, active and defined. */
    public HostObservation observe() throws LibvirtException {
        long start = System.nanoTime();
        neighbours = null;
        long wall = System.currentTimeMillis();
        NodeInfo node = conn.nodeInfo();
        long poolCapacity = -1;
        long poolAllocation = -1;
        for (String name : conn.listStoragePools()) {
            StoragePool pool = conn.storagePoolLookupByName(name);
            try {
                StoragePoolInfo info = pool.getInfo();
                poolCapacity = Math.max(0, poolCapacity) + info.capacity;
                poolAllocation = Math.max(0, poolAllocation) + info.allocation;
            } finally {
                pool.free();
            }
        }
        List<VmObservation> vms = new ArrayList<>();
        if (isTestDriver()) {
            // The test driver's bulk statistics hold only the state: its counters come one domain at a time.
            for (int id : conn.listDomains()) {
                Domain d = lookup(() -> conn.domainLookupByID(id));
                if (d != null) {
                    addObservation(vms, d);
                }
            }
            for (String name : conn.listDefinedDomains()) {
                Domain d = lookup(() -> conn.domainLookupByName(name));
                if (d != null) {
                    addObservation(vms, d);
                }
            }
        } else {
            observeBulk(vms);
        }
        long mono = System.nanoTime();
        return new HostObservation(conn.getType(), version(conn.getVersion()), version(conn.getLibVersion()),
                conn.getHostName(), node.model, node.cpus, node.mhz, node.memory * 1024L, poolCapacity, poolAllocation,
                vms, wall, mono, mono - start);
    }

    /**
     * Every domain through one bulk statistics call; a domain that is not active has no counters
     * and is read the per-domain way (its memory and vCPUs come from its definition then).
     */
    private void observeBulk(List<VmObservation> vms) throws LibvirtException {
        for (BulkStats.Record r : BulkStats.read(conn, BulkStats.ALL)) {
            VmState state = state(r.number("state.state"));
            if (!state.isActive()) {
                Domain d = lookup(() -> conn.domainLookupByUUIDString(r.uuid()));
                if (d != null) {
                    addObservation(vms, d);
                }
                continue;
            }
            VmObservation o = observe(r, state);
            if (o != null) {
                vms.add(o);
            }
        }
    }

    /** One active domain from its bulk statistics; null if it went away before its description could be read. */
    private VmObservation observe(BulkStats.Record r, VmState state) throws LibvirtException {
        String uuid = r.uuid();
        DomainXml.Description desc = descriptions.get(uuid);
        Facts f = facts.get(uuid);
        Map<String, Integer> nets = indexByName(r, "net");
        if (desc != null && !describesAll(desc, nets.keySet())) {
            // Described before it started: the start event was missed, or a sample read the
            // definition just before the start and cached it just after the event had cleared it.
            // libvirt names host devices (taps) that the description lacks, so it is read again.
            // Only then: a card with no host device (user-mode) is never named, and so never
            // makes a VM be read again at every sample.
            descriptions.remove(uuid);
            desc = null;
        }
        if (desc == null || f == null) {
            Domain d = lookup(() -> conn.domainLookupByUUIDString(uuid));
            if (d == null) {
                return null;
            }
            try {
                desc = description(d, uuid);
                boolean persistent = d.isPersistent() == 1;
                f = new Facts(d.getOSType(), persistent, persistent && d.getAutostart());
                facts.put(uuid, f);
            } catch (LibvirtException e) {
                LOG.debug("domain vanished while being read", e);
                return null;
            } finally {
                free(d);
            }
        }
        Map<String, Integer> blocks = indexByName(r, "block");
        List<VmObservation.Disk> disks = new ArrayList<>(desc.disks().size());
        long rdBytes = -1;
        long wrBytes = -1;
        long rdReq = -1;
        long wrReq = -1;
        for (VmObservation.Disk disk : desc.disks()) {
            Integer i = blocks.get(disk.target());
            if (i == null) {
                disks.add(disk);
                continue;
            }
            String p = "block." + i + ".";
            long rr = r.number(p + "rd.reqs");
            long rb = r.number(p + "rd.bytes");
            long wr = r.number(p + "wr.reqs");
            long wb = r.number(p + "wr.bytes");
            rdReq = add(rdReq, rr);
            rdBytes = add(rdBytes, rb);
            wrReq = add(wrReq, wr);
            wrBytes = add(wrBytes, wb);
            disks.add(disk.withStats(rr, rb, wr, wb));
        }
        long rxBytes = -1;
        long txBytes = -1;
        long rxPk = -1;
        long txPk = -1;
        for (VmObservation.Nic nic : desc.nics()) {
            Integer i = nic.target().isEmpty() ? null : nets.get(nic.target());
            if (i == null) {
                continue;
            }
            String p = "net." + i + ".";
            rxBytes = add(rxBytes, r.number(p + "rx.bytes"));
            txBytes = add(txBytes, r.number(p + "tx.bytes"));
            rxPk = add(rxPk, r.number(p + "rx.pkts"));
            txPk = add(txPk, r.number(p + "tx.pkts"));
        }
        List<Long> vcpuTimes = new ArrayList<>();
        long vcpuMax = r.number("vcpu.maximum");
        for (int i = 0; i < vcpuMax; i++) {
            long t = r.number("vcpu." + i + ".time");
            if (t >= 0) {
                vcpuTimes.add(t);
            }
        }
        int vcpus = (int) Math.max(0, r.number("vcpu.current"));
        long memory = Math.max(0, r.number("balloon.current")) * 1024L;
        long maxMemory = Math.max(0, r.number("balloon.maximum")) * 1024L;
        return new VmObservation(uuid, r.name(), r.id(), state, f.osType(), f.persistent(), f.autostart(),
                vcpus, memory, maxMemory, Math.max(0, r.number("cpu.time")),
                desc.application(), desc.service(), desc.epoch(), desc.diskBytes(), rdBytes, wrBytes, rdReq, wrReq,
                rxBytes, txBytes, rxPk, txPk, vcpuTimes, disks, desc.nics(), endpoints(uuid, r.name(), desc, true));
    }

    /**
     * Where the domain's guest ports are reached: its forwards on QEMU's user-mode network; on a
     * libvirt network or a bridge, its ports at the address the neighbour table gives for its
     * card's MAC, or none while no address is known (the guest has not taken one yet) or the
     * domain is not active. An address once seen is kept while the domain runs, should its entry
     * leave the table.
     */
    private List<VmObservation.Forward> endpoints(String uuid, String name, DomainXml.Description desc, boolean active) {
        if (desc.ports().isEmpty()) {
            return desc.forwards();
        }
        if (!active) {
            addresses.remove(uuid);
            return List.of();
        }
        if (neighbours == null) {
            neighbours = NeighbourTable.read(NeighbourTable.PROC);
        }
        String known = addresses.get(uuid);
        String address = NeighbourTable.addressOf(desc.nics().stream().map(VmObservation.Nic::mac).toList(), neighbours, known);
        if (address != null && !address.equals(known)) {
            addresses.put(uuid, address);
            LOG.info(name + " is at " + address + " (" + nicsOf(desc) + ")");
        }
        if (address == null) {
            return List.of();
        }
        String at = address;
        return desc.ports().stream().map(p -> p.at(at)).toList();
    }

    /** Whether every host device libvirt names for the domain's cards is one its description has. */
    private static boolean describesAll(DomainXml.Description desc, java.util.Set<String> devices) {
        for (String device : devices) {
            if (desc.nics().stream().noneMatch(n -> n.target().equals(device))) {
                return false;
            }
        }
        return true;
    }

    private static String nicsOf(DomainXml.Description desc) {
        return desc.nics().stream().map(n -> n.mac() + " on " + n.network()).collect(java.util.stream.Collectors.joining(", "));
    }

    /** {@code <kind>.<i>.name} → i, for i below {@code <kind>.count}. */
    private static Map<String, Integer> indexByName(BulkStats.Record r, String kind) {
        Map<String, Integer> out = new java.util.HashMap<>();
        long count = r.number(kind + ".count");
        for (int i = 0; i < count; i++) {
            String name = r.text(kind + "." + i + ".name");
            if (!name.isEmpty()) {
                out.putIfAbsent(name, i);
            }
        }
        return out;
    }

    /** virDomainState as libvirt numbers it (the order of {@link DomainInfo.DomainState}). */
    static VmState state(long n) {
        DomainInfo.DomainState[] all = DomainInfo.DomainState.values();
        return n < 0 || n >= all.length ? VmState.UNKNOWN : state(all[(int) n]);
    }

    private interface Lookup {
        Domain get() throws LibvirtException;
    }

    /** A domain listed a moment ago may be gone now: that is not an error, just a shorter list. */
    private static Domain lookup(Lookup l) {
        try {
            return l.get();
        } catch (LibvirtException e) {
            return null;
        }
    }

    private void addObservation(List<VmObservation> out, Domain d) {
        try {
            out.add(observe(d));
        } catch (LibvirtException e) {
            // The domain went away between the listing and this read; the next sample settles it.
            LOG.debug("domain vanished while being read", e);
        } finally {
            free(d);
        }
    }

    private VmObservation observe(Domain d) throws LibvirtException {
        String uuid = d.getUUIDString();
        DomainInfo info = d.getInfo();
        DomainXml.Description desc = description(d, uuid);
        VmState state = state(info.state);
        long rdBytes = -1;
        long wrBytes = -1;
        long rdReq = -1;
        long wrReq = -1;
        long rxBytes = -1;
        long txBytes = -1;
        long rxPk = -1;
        long txPk = -1;
        List<VmObservation.Disk> disks = desc.disks();
        List<Long> vcpuTimes = List.of();
        if (state.isActive()) {
            disks = new ArrayList<>(desc.disks().size());
            for (VmObservation.Disk disk : desc.disks()) {
                try {
                    DomainBlockStats s = d.blockStats(disk.target());
                    rdBytes = add(rdBytes, s.rd_bytes);
                    wrBytes = add(wrBytes, s.wr_bytes);
                    rdReq = add(rdReq, s.rd_req);
                    wrReq = add(wrReq, s.wr_req);
                    disks.add(disk.withStats(s.rd_req, s.rd_bytes, s.wr_req, s.wr_bytes));
                } catch (LibvirtException e) {
                    // Not every hypervisor reports every device; the counters stay unknown.
                    disks.add(disk);
                }
            }
            try {
                VcpuInfo[] vcpus = d.getVcpusInfo();
                List<Long> times = new ArrayList<>(vcpus.length);
                for (VcpuInfo v : vcpus) {
                    times.add(v.cpuTime);
                }
                vcpuTimes = times;
            } catch (LibvirtException e) {
                // As above: per-vCPU times stay unknown.
            }
            for (VmObservation.Nic nic : desc.nics()) {
                if (nic.target().isEmpty()) {
                    continue;
                }
                try {
                    DomainInterfaceStats s = d.interfaceStats(nic.target());
                    rxBytes = add(rxBytes, s.rx_bytes);
                    txBytes = add(txBytes, s.tx_bytes);
                    rxPk = add(rxPk, s.rx_packets);
                    txPk = add(txPk, s.tx_packets);
                } catch (LibvirtException e) {
                    // As above.
                }
            }
        }
        boolean persistent = d.isPersistent() == 1;
        boolean autostart = persistent && d.getAutostart();
        return new VmObservation(uuid, d.getName(), d.getID(), state, d.getOSType(), persistent, autostart,
                info.nrVirtCpu, info.memory * 1024L, info.maxMem * 1024L, info.cpuTime,
                desc.application(), desc.service(), desc.epoch(), desc.diskBytes(), rdBytes, wrBytes, rdReq, wrReq,
                rxBytes, txBytes, rxPk, txPk, vcpuTimes, disks, desc.nics(), endpoints(uuid, d.getName(), desc, state.isActive()));
    }

    /**
     * A domain's description, cached by UUID. The epoch comes from the persistent definition:
     * the agent records a new epoch there, and a running domain's live XML keeps the one it was
     * started with.
     */
    private DomainXml.Description description(Domain d, String uuid) throws LibvirtException {
        DomainXml.Description desc = descriptions.get(uuid);
        if (desc == null) {
            desc = DomainXml.describe(d.getXMLDesc(0));
            if (d.isPersistent() == 1) {
                desc = desc.withEpoch(DomainXml.epochOf(d.getXMLDesc(XML_INACTIVE)));
            }
            descriptions.put(uuid, desc);
        }
        return desc;
    }

    /** The epoch in a domain's federa metadata, 0 for a VM not managed by epoch. */
    public long epoch(Domain d) throws LibvirtException {
        return description(d, d.getUUIDString()).epoch();
    }

    /** Records a new epoch in a domain's persistent definition, everything else kept. */
    public void setEpoch(Domain d, long epoch) throws LibvirtException {
        String uuid = d.getUUIDString();
        Domain redefined = conn.domainDefineXML(DomainXml.withEpoch(d.getXMLDesc(XML_INACTIVE), epoch));
        free(redefined);
        forget(uuid);
    }

    /**
     * Starts a defined domain. A real guest whose forwarded host port another program took since
     * its definition (QEMU cannot bind it: "Could not set up host forwarding rule") gets new free
     * ports for the same guest ports, kept in its definition, and is started once more; the VM's
     * {@code Endpoints} say where it is reached now.
     */
    public void create(Domain d) throws LibvirtException {
        try {
            d.create();
        } catch (LibvirtException e) {
            if (!String.valueOf(e.getMessage()).contains("host forwarding rule")) {
                throw e;
            }
            String xml = d.getXMLDesc(XML_INACTIVE);
            List<VmObservation.Forward> before = DomainXml.describe(xml).forwards();
            if (before.isEmpty()) {
                throw e;
            }
            List<VmObservation.Forward> after;
            try {
                synchronized (chosenPorts) {
                    java.util.Set<Integer> taken = portsTaken();
                    before.forEach(f -> taken.add(f.hostPort()));
                    after = freePorts(before.get(0).hostAddress(),
                            before.stream().filter(f -> !f.udp()).map(VmObservation.Forward::guestPort).toList(),
                            before.stream().filter(VmObservation.Forward::udp).map(VmObservation.Forward::guestPort).toList(), taken);
                    after.forEach(f -> chosenPorts.add(f.hostPort()));
                }
            } catch (IOException io) {
                e.addSuppressed(io);
                throw e;
            }
            String name = d.getName();
            String uuid = d.getUUIDString();
            Domain redefined = conn.domainDefineXML(DomainXml.withForwards(xml, after));
            forget(uuid);
            LOG.warn(name + ": QEMU could not bind a forwarded host port (another program took it since the VM was defined): "
                    + ports(before) + " now forwarded from " + ports(after));
            try {
                redefined.create();
            } finally {
                free(redefined);
            }
        }
    }

    private static String ports(List<VmObservation.Forward> forwards) {
        return forwards.stream().map(f -> f.guest() + "=" + f.host()).collect(java.util.stream.Collectors.joining(","));
    }

    /** A managed VM (epoch 1 or more) that is active on the hypervisor now. */
    public record ActiveManaged(String name, String uuid, long epoch) {
    }

    /**
     * Every managed VM that is active now, read from libvirt itself rather than from a snapshot:
     * fencing must not miss a VM started since the last sample.
     */
    public List<ActiveManaged> activeManaged() throws LibvirtException {
        List<ActiveManaged> out = new ArrayList<>();
        for (int id : conn.listDomains()) {
            Domain d = lookup(() -> conn.domainLookupByID(id));
            if (d == null) {
                continue;
            }
            try {
                long epoch = epoch(d);
                if (epoch > 0) {
                    out.add(new ActiveManaged(d.getName(), d.getUUIDString(), epoch));
                }
            } catch (LibvirtException e) {
                LOG.debug("domain vanished while being read", e);
            } finally {
                free(d);
            }
        }
        return out;
    }

    private static long add(long acc, long v) {
        if (v < 0) {
            return acc;
        }
        return Math.max(0, acc) + v;
    }

    static VmState state(DomainInfo.DomainState s) {
        if (s == null) {
            return VmState.UNKNOWN;
        }
        return switch (s) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> VmState.RUNNING;
            case VIR_DOMAIN_PAUSED -> VmState.PAUSED;
            case VIR_DOMAIN_SHUTDOWN -> VmState.SHUTTING_DOWN;
            case VIR_DOMAIN_SHUTOFF -> VmState.SHUT_OFF;
            case VIR_DOMAIN_CRASHED -> VmState.CRASHED;
            default -> VmState.UNKNOWN;
        };
    }

    private static String version(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    // ---- commands -------------------------------------------------------------------------

    /** Whether a domain of this name exists. */
    public boolean exists(String name) {
        Domain d = lookup(() -> conn.domainLookupByName(name));
        free(d);
        return d != null;
    }

    /** Whether a domain with some UUID is here, and whether it runs (paused counts as running: it is not shut off). */
    public enum Presence { ABSENT, DEFINED, RUNNING }

    public Presence presence(UUID uuid) throws LibvirtException {
        Domain d = lookup(() -> conn.domainLookupByUUIDString(uuid.toString()));
        if (d == null) {
            return Presence.ABSENT;
        }
        try {
            return d.isActive() == 1 ? Presence.RUNNING : Presence.DEFINED;
        } finally {
            free(d);
        }
    }

    public boolean uuidExists(UUID uuid) {
        Domain d = lookup(() -> conn.domainLookupByUUIDString(uuid.toString()));
        free(d);
        return d != null;
    }

    /** Defines a persistent domain from XML. */
    public void define(String xml) throws LibvirtException {
        Domain d = conn.domainDefineXML(xml);
        forget(d.getUUIDString());
        free(d);
    }


    /** Runs an action on the named domain; {@code null} if there is no such domain. */
    public <T> T withDomain(String name, DomainFunction<T> f) throws LibvirtException {
        Domain d = lookup(() -> conn.domainLookupByName(name));
        if (d == null) {
            return null;
        }
        try {
            return f.apply(d);
        } finally {
            free(d);
        }
    }

    public interface DomainFunction<T> {
        T apply(Domain d) throws LibvirtException;
    }

    public void forget(String uuid) {
        descriptions.remove(uuid);
        addresses.remove(uuid);
        facts.remove(uuid);
    }

    /** A domain's persistent definition and whether it runs; empty if there is no such domain. */
    public Optional<TestNodeFile.Domain> definition(String uuid) throws LibvirtException {
        Domain d = lookup(() -> conn.domainLookupByUUIDString(uuid));
        if (d == null) {
            return Optional.empty();
        }
        try {
            if (d.isPersistent() != 1) {
                return Optional.empty();
            }
            return Optional.of(new TestNodeFile.Domain(d.getXMLDesc(XML_INACTIVE), d.isActive() == 1));
        } finally {
            free(d);
        }
    }

    private static void free(Domain d) {
        if (d == null) {
            return;
        }
        try {
            d.free();
        } catch (LibvirtException e) {
            LOG.debug("cannot free a domain handle", e);
        }
    }

    @Override
    public void close() {
        try {
            conn.close();
        } catch (LibvirtException e) {
            LOG.warn("closing the libvirt connection failed", e);
        }
    }

    /**
     * Used by callers that build domain XML for this hypervisor. On a real one the guest boots
     * what {@link #bootGuestsFrom} set, and its serial console goes to {@code console.log} beside
     * its disk image.
     */
    public String domainXml(VmSpec spec, UUID uuid, Path image, GuestNetwork network, long epoch) throws IOException {
        if (isTestDriver()) {
            // The spec's ports are accepted and nothing is forwarded: there is no guest to reach.
            return DomainXml.build(spec, uuid, domainType, image, network, epoch);
        }
        GuestBoot boot = guestBoot;
        if (boot == null) {
            throw new IllegalStateException("cannot define " + spec.name() + " on " + uri
                    + ": the agent's configuration names no guest to boot (libvirt.guest.kernel and initrd)");
        }
        // On a libvirt network or a bridge the guest has an address of its own, where its ports
        // are reached: nothing is forwarded.
        List<VmObservation.Forward> forwards = List.of();
        if (!network.addressed() && !(spec.ports().isEmpty() && spec.udpPorts().isEmpty())) {
            synchronized (chosenPorts) {
                forwards = freePorts(boot.forwardAddress(), spec.ports(), spec.udpPorts(), portsTaken());
                forwards.forEach(f -> chosenPorts.add(f.hostPort()));
                // Bounded: the oldest are in the domains' descriptions by now.
                while (chosenPorts.size() > 4096) {
                    chosenPorts.remove(chosenPorts.iterator().next());
                }
            }
        }
        return DomainXml.build(spec, uuid, domainType, image, network, epoch, new DomainXml.KernelBoot(boot.kernel(),
                boot.initrd(), boot.cmdline(), image.resolveSibling(CONSOLE_LOG)), forwards);
    }

    /**
     * The host ports this host's domains forward, as their definitions say, and those chosen for
     * definitions since this agent started (a domain just defined may not be described yet).
     */
    private java.util.Set<Integer> portsTaken() {
        java.util.Set<Integer> taken = new java.util.HashSet<>(chosenPorts);
        descriptions.values().forEach(d -> d.forwards().forEach(f -> taken.add(f.hostPort())));
        return taken;
    }

    /** Host ports chosen for forwards by this agent, oldest first (guarded by itself). */
    private final java.util.Set<Integer> chosenPorts = new java.util.LinkedHashSet<>();

    /**
     * One free port on {@code address} (this host's: libvirt.guest.forwardAddress, 127.0.0.1 by
     * default), not in {@code taken}, for each guest port: a TCP port for each of {@code tcpPorts}
     * and a UDP port for each of {@code udpPorts}, chosen now (bound to port 0, read, closed; all
     * held open until the last is chosen, so they differ, whatever their protocol). The choice is kept in the domain's definition and
     * holds across restarts; should another program take a port in between, QEMU cannot bind it
     * and the domain does not start, which the start command reports.
     */
    static List<VmObservation.Forward> freePorts(String address, List<Integer> tcpPorts, List<Integer> udpPorts,
                                                 java.util.Set<Integer> taken) throws IOException {
        List<java.io.Closeable> held = new ArrayList<>();
        try {
            InetAddress bind = InetAddress.getByName(address);
            List<VmObservation.Forward> out = new ArrayList<>();
            for (int i = 0; i < tcpPorts.size() + udpPorts.size(); i++) {
                boolean udp = i >= tcpPorts.size();
                int guest = udp ? udpPorts.get(i - tcpPorts.size()) : tcpPorts.get(i);
                // A port free now may still be another VM's of this host, defined and not running:
                // the kernel does not know it, the domains' definitions do.
                int port = -1;
                for (int attempt = 0; attempt < 100 && port < 0; attempt++) {
                    int candidate;
                    if (udp) {
                        java.net.DatagramSocket d = new java.net.DatagramSocket(0, bind);
                        held.add(d);
                        candidate = d.getLocalPort();
                    } else {
                        ServerSocket s = new ServerSocket(0, 1, bind);
                        held.add(s);
                        candidate = s.getLocalPort();
                    }
                    if (!taken.contains(candidate)) {
                        port = candidate;
                    }
                }
                if (port < 0) {
                    throw new IOException("no free " + (udp ? "UDP" : "TCP") + " port on " + address
                            + " that no VM of this host has: 100 tried");
                }
                out.add(new VmObservation.Forward(guest, address, port, udp));
            }
            return out;
        } finally {
            for (java.io.Closeable c : held) {
                c.close();
            }
        }
    }

    /** The file a real guest's serial console is written to, beside its disk image. */
    public static final String CONSOLE_LOG = "console.log";
}
