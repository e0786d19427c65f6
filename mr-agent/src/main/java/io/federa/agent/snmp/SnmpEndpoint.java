package io.federa.agent.snmp;

import io.federa.common.snmp.OidView;
import io.federa.common.snmp.ViewObject;
import io.federa.common.snmp.ViewPinning;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmState;
import io.federa.common.snmp.FastReadResponder;
import io.federa.common.snmp.FederaOids;
import io.federa.common.snmp.SnmpAgentEngine;
import org.snmp4j.agent.mo.MOAccessImpl;
import org.snmp4j.agent.mo.MOScalar;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.VariableBinding;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's SNMP face (SNMP4J-agent): SNMPv3 with USM, authPriv only (HMAC-SHA-2 and AES);
 * SNMPv1/v2c only when a read-only community is configured, with a warning. Serves the standard
 * VM-MIB and FEDERA-MR-MIB from the latest snapshot, one snapshot per walk ({@link ViewPinning}),
 * and sends the VM-MIB's per-VM notifications on state changes.
 *
 * <p>Only the engine ID and boot counter persist (in the data directory); users, views and
 * targets come from the configuration at every start, so nothing SNMP4J saved can override it.
 */
public final class SnmpEndpoint implements Consumer<HostSnapshot>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnmpEndpoint.class);
    private static final int TRUE = 1;
    private static final int FALSE = 2;

    private final SnmpAgentEngine engine;
    private final Supplier<HostSnapshot> snapshots;
    private final VmIndexes indexes = new VmIndexes();
    private final long startNanos = System.nanoTime();
    private final MOScalar<Integer32> perVmNotifications;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snmp-notify");
        t.setDaemon(true);
        return t;
    });
    /**
     * How long after a station's last request each new snapshot's view is built as the snapshot
     * arrives (on the sampler's thread) rather than on the next request: a station that polls
     * does not wait for the build (some 25 ms for 5,000 VMs) at the first request after each
     * sample, and an agent no station reads builds nothing.
     */
    static final long WARM_NANOS = 60_000_000_000L;

    private final LongSupplier nanoClock;
    private volatile OidView view;
    private volatile long tableLastChangeTicks;
    // Under this object's lock, as the view's building is.
    private long lastAskedNanos;
    private boolean asked;
    private long viewsBuilt;
    private Map<String, VmSnapshot> previous;

    private SnmpEndpoint(SnmpAgentEngine engine, Supplier<HostSnapshot> snapshots, MOScalar<Integer32> perVmNotifications,
                         LongSupplier nanoClock) {
        this.engine = engine;
        this.snapshots = snapshots;
        this.perVmNotifications = perVmNotifications;
        this.nanoClock = nanoClock;
    }

    public static SnmpEndpoint start(AgentConfig.Snmp config, Path dataDir, Supplier<HostSnapshot> snapshots)
            throws IOException {
        return start(config, dataDir, snapshots, System::nanoTime);
    }

    static SnmpEndpoint start(AgentConfig.Snmp config, Path dataDir, Supplier<HostSnapshot> snapshots, LongSupplier nanoClock)
            throws IOException {
        AtomicReference<SnmpEndpoint> self = new AtomicReference<>();
        ViewPinning pinning = new ViewPinning(() -> self.get().currentView(), nanoClock);
        HostSnapshot first = snapshots.get();
        OID vmNotificationSwitch = new OID(MibViews.VM_PER_VM_NOTIFICATIONS_ENABLED).trim();
        SnmpAgentEngine engine = SnmpAgentEngine.create(new SnmpAgentEngine.Spec(config.address(), config.port(),
                config.users(), config.community(), config.notifyTargets(), systemGroup(first, config),
                List.of(MibViews.VM_MIB, FederaOids.ENTERPRISE),
                // The only writable objects: the two notification switches of the VM-MIB.
                List.of(vmNotificationSwitch), dataDir.resolve("snmp-engine.boots")),
                // Ahead of SNMP4J-agent's own command processor, so it sees reads first.
                List.of(vacm -> new FastReadResponder(List.of(
                        new FastReadResponder.Region(MibViews.VM_MIB, MibViews.VM_OBJECTS, vmNotificationSwitch),
                        new FastReadResponder.Region(FederaOids.ENTERPRISE, MibViews.FEDERA_MR_OBJECTS,
                                MibViews.FEDERA_MR_OBJECTS.nextPeer())),
                        pinning, vacm)));

        MOScalar<Integer32> perVm = new MOScalar<>(MibViews.VM_PER_VM_NOTIFICATIONS_ENABLED,
                MOAccessImpl.ACCESS_READ_WRITE, new Integer32(TRUE));
        perVm.setVolatile(true);
        perVm.addMOValueValidationListener(e -> {
            if (!(e.getNewValue() instanceof Integer32 v) || (v.getValue() != TRUE && v.getValue() != FALSE)) {
                e.setValidationStatus(org.snmp4j.PDU.wrongValue);
            }
        });
        // Bulk notifications are not sent, so their switch reads false and cannot be turned on.
        MOScalar<Integer32> bulk = new MOScalar<>(MibViews.VM_BULK_NOTIFICATIONS_ENABLED,
                MOAccessImpl.ACCESS_READ_ONLY, new Integer32(FALSE));
        bulk.setVolatile(true);

        SnmpEndpoint endpoint = new SnmpEndpoint(engine, snapshots, perVm, nanoClock);
        self.set(endpoint);
        try {
            engine.register(new ViewObject(MibViews.VM_OBJECTS, vmNotificationSwitch, pinning));
            engine.register(perVm);
            engine.register(bulk);
            engine.register(new ViewObject(new OID(MibViews.VM_OBJECTS).append(11), MibViews.VM_OBJECTS.nextPeer(), pinning));
            engine.register(new ViewObject(MibViews.FEDERA_MR_OBJECTS, MibViews.FEDERA_MR_OBJECTS.nextPeer(), pinning));
            endpoint.accept(snapshots.get());
            engine.start();
        } catch (IOException | RuntimeException e) {
            endpoint.close();
            throw e;
        }
        return endpoint;
    }

    /**
     * What the SNMPv2-MIB system group says of this agent: sysDescr names the program, its version
     * and the hypervisor; sysObjectID is the MR agent's product OID; sysName the host's id;
     * sysLocation its site; sysContact from the configuration.
     */
    static SnmpAgentEngine.SystemGroup systemGroup(HostSnapshot s, AgentConfig.Snmp config) {
        var id = s.identity();
        String descr = "Federa MR agent " + id.agentVersion() + ", libvirt " + s.hypervisorType() + " "
                + s.hypervisorVersion() + " (libvirt " + s.libvirtVersion() + ")";
        return new SnmpAgentEngine.SystemGroup(descr, FederaOids.MR_AGENT_PRODUCT, id.hostId(), id.site(), config.contact());
    }

    /** The agent's UDP address (useful when the configured port is 0). */
    public InetSocketAddress address() {
        return engine.address();
    }

    /** A scalar of the engine read in-process, whatever the views say (see {@link SnmpAgentEngine#localValue}). */
    public org.snmp4j.smi.Variable localValue(OID instance) {
        return engine.localValue(instance);
    }

    /** The engine ID as net-snmp's configuration takes it: {@code 0x…}. */
    public String engineId() {
        return engine.engineId();
    }

    long upTimeTicks() {
        return (System.nanoTime() - startNanos) / 10_000_000L;
    }

    /**
     * The view of the latest snapshot: built as each snapshot arrives while stations read
     * ({@link #WARM_NANOS}), else on the first request after it (idle agents pay nothing).
     */
    synchronized OidView currentView() {
        lastAskedNanos = nanoClock.getAsLong();
        asked = true;
        return viewOf(snapshots.get());
    }

    private OidView viewOf(HostSnapshot s) {
        OidView v = view;
        if (v == null || v.sequence() != s.sequence()) {
            v = MibViews.build(s, indexes, upTimeTicks(), tableLastChangeTicks, v);
            view = v;
            viewsBuilt++;
        }
        return v;
    }

    /** How many views were built (tests). */
    synchronized long viewsBuilt() {
        return viewsBuilt;
    }

    /** Called with each new snapshot (sampler thread): notes row changes and sends notifications. */
    @Override
    public synchronized void accept(HostSnapshot s) {
        Map<String, VmSnapshot> now = new HashMap<>();
        for (VmSnapshot v : s.vms()) {
            now.put(v.uuid(), v);
            indexes.indexOf(v.uuid());
        }
        if (previous == null) {
            previous = now;
            tableLastChangeTicks = upTimeTicks();
            return;
        }
        if (!previous.keySet().equals(now.keySet())) {
            tableLastChangeTicks = upTimeTicks();
        }
        boolean enabled = perVmNotifications.getValue().getValue() == TRUE;
        for (VmSnapshot v : now.values()) {
            VmSnapshot before = previous.get(v.uuid());
            if (before != null && before.state() != v.state() && enabled) {
                send(notificationFor(v.state()), v, before.state(), false);
            }
        }
        for (VmSnapshot gone : previous.values()) {
            if (!now.containsKey(gone.uuid()) && enabled) {
                send(10, gone, gone.state(), true);
            }
        }
        previous = now;
        if (asked && nanoClock.getAsLong() - lastAskedNanos < WARM_NANOS) {
            viewOf(snapshots.get()); // the latest, which the sampler publishes before it calls its listeners
        }
    }

    /** The VM-MIB notification number (vmNotifications.n) for a VM that entered {@code state}, or 0. */
    static int notificationFor(VmState state) {
        return switch (state) {
            case RUNNING -> 1;
            case SHUTTING_DOWN -> 2;
            case SHUT_OFF -> 3;
            case PAUSED -> 4;
            case PM_SUSPENDED -> 6;
            case CRASHED -> 9;
            case UNKNOWN -> 0;
        };
    }

    /** Per RFC 7666 each notification carries vmName, vmUUID and the previous vmOperState. */
    private void send(int number, VmSnapshot vm, VmState previousState, boolean deleted) {
        if (number == 0) {
            return;
        }
        int index = indexes.existing(vm.uuid());
        OID trap = new OID(MibViews.VM_NOTIFICATIONS).append(number);
        VariableBinding[] vbs = new VariableBinding[deleted ? 4 : 3];
        vbs[0] = new VariableBinding(new OID("1.3.6.1.2.1.236.1.4.1.2").append(index), MibViews.str(vm.name()));
        vbs[1] = new VariableBinding(new OID("1.3.6.1.2.1.236.1.4.1.3").append(index), new OctetString(MibViews.uuidBytes(vm.uuid())));
        vbs[2] = new VariableBinding(new OID("1.3.6.1.2.1.236.1.4.1.6").append(index), new Integer32(MibViews.operState(previousState)));
        if (deleted) {
            vbs[3] = new VariableBinding(new OID("1.3.6.1.2.1.236.1.4.1.8").append(index), new Integer32(vm.persistent() ? 2 : 3));
        }
        notifier.execute(() -> {
            try {
                engine.notifications().notify(new OctetString(), trap, vbs);
            } catch (RuntimeException e) {
                LOG.warn("sending SNMP notification " + trap + " failed", e);
            }
        });
    }

    @Override
    public void close() {
        notifier.shutdown();
        try {
            notifier.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
    }
}
