package io.federa.agent.snmp;

import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.core.VmSnapshot;
import io.federa.agent.core.VmState;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.TransportMapping;
import org.snmp4j.agent.AgentConfigManager;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.mo.MOAccessImpl;
import org.snmp4j.agent.mo.MOScalar;
import org.snmp4j.agent.mo.snmp.SnmpNotificationMIB;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.TransportDomains;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.cfg.EngineBootsCounterFile;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.MessageProcessingModel;
import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.PrivAES192;
import org.snmp4j.security.PrivAES256;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.GenericAddress;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.TransportMappings;
import org.snmp4j.util.ThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
    private static final OctetString READ_VIEW = new OctetString("federaRead");
    private static final OctetString WRITE_VIEW = new OctetString("federaWrite");
    private static final OctetString GROUP = new OctetString("federaUsers");
    private static final OctetString COMMUNITY_GROUP = new OctetString("federaCommunity");
    private static final OctetString NOTIFY_TAG = new OctetString("federaNotify");
    private static final int TRUE = 1;
    private static final int FALSE = 2;

    private final AgentConfigManager agent;
    private final ThreadPool workers;
    private final TransportMapping<?> transport;
    private final Supplier<HostSnapshot> snapshots;
    private final VmIndexes indexes = new VmIndexes();
    private final long startNanos = System.nanoTime();
    private final MOScalar<Integer32> perVmNotifications;
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "snmp-notify");
        t.setDaemon(true);
        return t;
    });
    private volatile OidView view;
    private volatile long tableLastChangeTicks;
    private Map<String, VmSnapshot> previous;

    private SnmpEndpoint(AgentConfigManager agent, ThreadPool workers, TransportMapping<?> transport,
                         Supplier<HostSnapshot> snapshots, MOScalar<Integer32> perVmNotifications) {
        this.agent = agent;
        this.workers = workers;
        this.transport = transport;
        this.snapshots = snapshots;
        this.perVmNotifications = perVmNotifications;
    }

    public static SnmpEndpoint start(AgentConfig.Snmp config, Path dataDir, Supplier<HostSnapshot> snapshots)
            throws IOException {
        // RFC 3414 §3.2: an unknown user, a wrong digest or a request that cannot be decrypted is
        // answered with a report at noAuthNoPriv, so the station learns why (usmStatsUnknownUserNames,
        // usmStatsDecryptionErrors …) instead of timing out. SNMP4J's default sends none.
        org.snmp4j.SNMP4JSettings.setReportSecurityLevelStrategy(
                org.snmp4j.SNMP4JSettings.ReportSecurityLevelStrategy.noAuthNoPrivIfNeeded);
        DefaultMOServer server = new DefaultMOServer();
        MOServer[] servers = {server};
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        TransportMapping<?> transport = TransportMappings.getInstance().createTransportMapping(
                GenericAddress.parse("udp:" + config.address() + "/" + config.port()));
        dispatcher.addTransportMapping(transport);
        java.util.concurrent.atomic.AtomicReference<SnmpEndpoint> self = new java.util.concurrent.atomic.AtomicReference<>();
        ViewPinning pinning = new ViewPinning(() -> self.get().currentView(), System::nanoTime);

        Files.createDirectories(dataDir);
        EngineBootsCounterFile boots = new EngineBootsCounterFile(dataDir.resolve("snmp-engine.boots").toFile());
        OctetString engineId = boots.getEngineId(new OctetString(MPv3.createLocalEngineID()));
        VacmMIB vacm = new VacmMIB(servers);
        // Registered before SNMP4J-agent's own command processor, so it sees reads first.
        dispatcher.addCommandResponder(new FastReadResponder(List.of(
                new FastReadResponder.Region(MibViews.VM_MIB, MibViews.VM_OBJECTS,
                        new OID(MibViews.VM_PER_VM_NOTIFICATIONS_ENABLED).trim()),
                new FastReadResponder.Region(MibViews.FEDERA, MibViews.FEDERA, MibViews.FEDERA.nextPeer())),
                pinning, vacm));
        // The pool's threads are not daemons: close() stops them, or the JVM would outlive the agent.
        ThreadPool workers = ThreadPool.create("snmp-agent", 2);
        AgentConfigManager agent = new AgentConfigManager(engineId, dispatcher, vacm, servers, workers, null, null, boots);
        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.maxSecurity);
        protocols.addAuthenticationProtocol(new AuthHMAC128SHA224());
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addAuthenticationProtocol(new AuthHMAC256SHA384());
        protocols.addAuthenticationProtocol(new AuthHMAC384SHA512());
        protocols.addPrivacyProtocol(new PrivAES128());
        protocols.addPrivacyProtocol(new PrivAES192());
        protocols.addPrivacyProtocol(new PrivAES256());
        agent.setContext(new SecurityModels(), protocols, new CounterSupport());
        agent.initialize();

        for (AgentConfig.SnmpUser u : config.users()) {
            agent.getUsm().addUser(new UsmUser(new OctetString(u.name()), authProtocol(u.auth()),
                    new OctetString(u.authPassword()), privProtocol(u.priv()), new OctetString(u.privPassword())));
            vacm.addGroup(SecurityModel.SECURITY_MODEL_USM, new OctetString(u.name()), GROUP, StorageType.readOnly);
        }
        vacm.addAccess(GROUP, new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVacm.EXACT, READ_VIEW, WRITE_VIEW, READ_VIEW, StorageType.readOnly);
        vacm.addViewTreeFamily(READ_VIEW, new OID("1.3.6.1"), new OctetString(), VacmMIB.vacmViewIncluded,
                StorageType.readOnly);
        // The only writable objects: the two notification switches of the VM-MIB.
        vacm.addViewTreeFamily(WRITE_VIEW, new OID(MibViews.VM_PER_VM_NOTIFICATIONS_ENABLED).trim(), new OctetString(),
                VacmMIB.vacmViewIncluded, StorageType.readOnly);

        if (config.community().isPresent()) {
            LOG.warn("snmp.community is set: SNMPv1/v2c read-only access is on. Community strings travel in "
                    + "clear text and authenticate nothing; use SNMPv3 users instead where the station allows it.");
            OctetString name = new OctetString("federa-community");
            agent.getSnmpCommunityMIB().addSnmpCommunityEntry(new OctetString("c1"),
                    new OctetString(config.community().get()), name, engineId, new OctetString(), new OctetString(),
                    StorageType.readOnly);
            for (int model : List.of(SecurityModel.SECURITY_MODEL_SNMPv1, SecurityModel.SECURITY_MODEL_SNMPv2c)) {
                vacm.addGroup(model, name, COMMUNITY_GROUP, StorageType.readOnly);
                vacm.addAccess(COMMUNITY_GROUP, new OctetString(), model, SecurityLevel.NOAUTH_NOPRIV,
                        MutableVacm.EXACT, READ_VIEW, new OctetString(), READ_VIEW, StorageType.readOnly);
            }
        }

        int n = 0;
        for (AgentConfig.NotifyTarget t : config.notifyTargets()) {
            n++;
            OctetString target = new OctetString("target" + n);
            OctetString params = new OctetString("params" + n);
            UdpAddress udp = new UdpAddress(t.address() + "/" + t.port());
            agent.getSnmpTargetMIB().addTargetAddress(target, TransportDomains.transportDomainUdpIpv4,
                    new OctetString(udp.getValue()), 200, 1, NOTIFY_TAG, params, StorageType.readOnly);
            agent.getSnmpTargetMIB().addTargetParams(params, MessageProcessingModel.MPv3,
                    SecurityModel.SECURITY_MODEL_USM, new OctetString(t.user()), SecurityLevel.AUTH_PRIV,
                    StorageType.readOnly);
            agent.getSnmpNotificationMIB().addNotifyEntry(target, NOTIFY_TAG,
                    t.inform() ? SnmpNotificationMIB.SnmpNotifyTypeEnum.inform : SnmpNotificationMIB.SnmpNotifyTypeEnum.trap,
                    StorageType.readOnly);
        }

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

        SnmpEndpoint endpoint = new SnmpEndpoint(agent, workers, transport, snapshots, perVm);
        self.set(endpoint);
        try {
            server.register(new ViewObject(MibViews.VM_OBJECTS, new OID(MibViews.VM_PER_VM_NOTIFICATIONS_ENABLED).trim(), pinning), null);
            server.register(perVm, null);
            server.register(bulk, null);
            server.register(new ViewObject(new OID(MibViews.VM_OBJECTS).append(11), MibViews.VM_OBJECTS.nextPeer(), pinning), null);
            server.register(new ViewObject(MibViews.FEDERA, MibViews.FEDERA.nextPeer(), pinning), null);
        } catch (org.snmp4j.agent.DuplicateRegistrationException e) {
            throw new IllegalStateException("SNMP objects overlap: " + e.getMessage(), e);
        }
        endpoint.accept(snapshots.get());
        agent.run();
        if (agent.getState() != 40) {
            endpoint.close();
            throw new IOException("the SNMP agent did not start on udp:" + config.address() + "/" + config.port());
        }
        return endpoint;
    }

    /** VACM constants under a readable name. */
    private static final class MutableVacm {
        static final int EXACT = org.snmp4j.agent.security.MutableVACM.VACM_MATCH_EXACT;
    }

    static OID authProtocol(String name) {
        return switch (name) {
            case "SHA-224" -> AuthHMAC128SHA224.ID;
            case "SHA-256" -> AuthHMAC192SHA256.ID;
            case "SHA-384" -> AuthHMAC256SHA384.ID;
            case "SHA-512" -> AuthHMAC384SHA512.ID;
            default -> throw new IllegalArgumentException("unsupported SNMP authentication protocol " + name);
        };
    }

    static OID privProtocol(String name) {
        return switch (name) {
            case "AES-128" -> PrivAES128.ID;
            case "AES-192" -> PrivAES192.ID;
            case "AES-256" -> PrivAES256.ID;
            default -> throw new IllegalArgumentException("unsupported SNMP privacy protocol " + name);
        };
    }

    /** The agent's UDP address (useful when the configured port is 0). */
    public InetSocketAddress address() {
        UdpAddress a = (UdpAddress) transport.getListenAddress();
        return new InetSocketAddress(a.getInetAddress(), a.getPort());
    }

    public String engineId() {
        return new OctetString(agent.getUsm().getLocalEngineID()).toHexString();
    }

    long upTimeTicks() {
        return (System.nanoTime() - startNanos) / 10_000_000L;
    }

    /** The view of the latest snapshot, built on first use after each sample (idle agents pay nothing). */
    private synchronized OidView currentView() {
        HostSnapshot s = snapshots.get();
        OidView v = view;
        if (v == null || v.sequence() != s.sequence()) {
            v = MibViews.build(s, indexes, upTimeTicks(), tableLastChangeTicks, v);
            view = v;
        }
        return v;
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
                agent.getNotificationOriginator().notify(new OctetString(), trap, vbs);
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
        agent.shutdown();
        workers.cancel();
        try {
            transport.close();
        } catch (IOException e) {
            LOG.debug("closing the SNMP transport", e);
        }
    }
}
