package io.federa.common.snmp;

import org.snmp4j.CommandResponder;
import org.snmp4j.MessageDispatcher;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Session;
import org.snmp4j.UserTarget;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.SNMP4JSettings;
import org.snmp4j.TransportMapping;
import org.snmp4j.agent.AgentConfigManager;
import org.snmp4j.agent.DefaultMOServer;
import org.snmp4j.agent.DuplicateRegistrationException;
import org.snmp4j.agent.MOServer;
import org.snmp4j.agent.ManagedObject;
import org.snmp4j.agent.NotificationOriginator;
import org.snmp4j.agent.mo.MOScalar;
import org.snmp4j.agent.DefaultMOContextScope;
import org.snmp4j.agent.DefaultMOQuery;
import org.snmp4j.agent.mo.snmp.SNMPv2MIB;
import org.snmp4j.agent.mo.snmp.SnmpNotificationMIB;
import org.snmp4j.agent.mo.snmp.StorageType;
import org.snmp4j.agent.mo.snmp.TransportDomains;
import org.snmp4j.agent.mo.snmp.VacmMIB;
import org.snmp4j.agent.security.MutableVACM;
import org.snmp4j.agent.security.VACM;
import org.snmp4j.cfg.EngineBootsCounterFile;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.MessageProcessingModel;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.GenericAddress;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.TimeTicks;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.Variable;
import org.snmp4j.transport.TransportMappings;
import org.snmp4j.util.ThreadPool;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SNMP engine as the project serves one (SNMP4J-agent), the same for the MR agent and the
 * manager: SNMPv3 USM at authPriv only (HMAC-SHA-2 and AES); SNMPv1/v2c read-only only when a
 * community is configured, with a warning; the SNMPv2-MIB system group telling who answers
 * (sysDescr, a Federa sysObjectID, sysName, sysLocation, sysContact); one read view holding the
 * system group and the subtrees the program serves, and nothing of the engine's own tables (USM,
 * VACM, targets, engine counters).
 *
 * <p>Requests are answered on SNMP4J's own threads (a pool of two), never on a caller's, so the
 * objects registered must read an immutable snapshot and must not block.
 *
 * <p>Only the engine ID and boot counter persist ({@link Spec#bootsFile()}); users, views and
 * targets come from the configuration at every start, so nothing SNMP4J could save overrides it.
 */
public final class SnmpAgentEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnmpAgentEngine.class);
    private static final OctetString READ_VIEW = new OctetString("federaRead");
    private static final OctetString WRITE_VIEW = new OctetString("federaWrite");
    private static final OctetString NOTIFY_VIEW = new OctetString("federaNotify");
    private static final OctetString GROUP = new OctetString("federaUsers");
    private static final OctetString COMMUNITY_GROUP = new OctetString("federaCommunity");
    private static final OctetString NOTIFY_TAG = new OctetString("federaNotify");
    /** snmpTrapOID and the generic traps (coldStart …) of SNMPv2-MIB: sent, never readable. */
    private static final List<OID> NOTIFY_ONLY = List.of(new OID("1.3.6.1.6.3.1.1.4"), new OID("1.3.6.1.6.3.1.1.5"));
    /** SNMP4J-agent's state once its transports listen. */
    private static final int RUNNING = 40;

    /** Who answers: the SNMPv2-MIB system group. Texts are at most 255 octets (DisplayString). */
    public record SystemGroup(String descr, OID objectId, String name, String location, String contact) {
        public SystemGroup {
            Objects.requireNonNull(objectId, "objectId");
            descr = Objects.requireNonNullElse(descr, "");
            name = Objects.requireNonNullElse(name, "");
            location = Objects.requireNonNullElse(location, "");
            contact = Objects.requireNonNullElse(contact, "");
        }
    }

    /**
     * A management station that receives notifications, as the named SNMPv3 user. An inform is
     * sent again {@code retries} times when no acknowledgement comes within {@code timeoutMillis}
     * (a trap is sent once). {@code queue} bounds the informs a sender keeps for a station that
     * does not acknowledge them (the manager's; the engine itself keeps none).
     */
    public record NotifyTarget(String address, int port, String user, boolean inform, int retries, long timeoutMillis,
                               int queue) {
        public static final int DEFAULT_RETRIES = 1;
        public static final long DEFAULT_TIMEOUT_MILLIS = 2_000;
        /** About a day of a busy fleet's service and host changes, a few hundred kB of varbinds. */
        public static final int DEFAULT_QUEUE = 1_000;
        public static final int MAX_QUEUE = 100_000;

        public NotifyTarget {
            if (retries < 0 || retries > 10 || timeoutMillis < 10 || timeoutMillis > 60_000) {
                throw new IllegalArgumentException("notification target " + address + ":" + port
                        + ": retries must be 0 to 10 and the timeout 10 ms to 60 s, got " + retries + " and " + timeoutMillis + " ms");
            }
            if (queue < 1 || queue > MAX_QUEUE) {
                throw new IllegalArgumentException("notification target " + address + ":" + port
                        + ": the queue must hold 1 to " + MAX_QUEUE + " informs, got " + queue);
            }
        }

        /** With the default queue (1,000 informs). */
        public NotifyTarget(String address, int port, String user, boolean inform, int retries, long timeoutMillis) {
            this(address, port, user, inform, retries, timeoutMillis, DEFAULT_QUEUE);
        }

        /** With the default retries (1), timeout (2 s) and queue (1,000). */
        public NotifyTarget(String address, int port, String user, boolean inform) {
            this(address, port, user, inform, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MILLIS);
        }

        /** How metrics and logs name the station: {@code address:port}. */
        public String name() {
            return address + ":" + port;
        }
    }

    /**
     * What the engine serves and to whom.
     *
     * @param readView   the subtrees readable besides the system group (the program's MIBs)
     * @param writeView  the only writable instances or subtrees (may be empty)
     */
    public record Spec(String address, int port, List<SnmpUser> users, Optional<String> community,
                       List<NotifyTarget> notifyTargets, SystemGroup system, List<OID> readView, List<OID> writeView,
                       Path bootsFile) {
        public Spec {
            users = List.copyOf(users);
            notifyTargets = List.copyOf(notifyTargets);
            readView = List.copyOf(readView);
            writeView = List.copyOf(writeView);
            if (users.isEmpty()) {
                throw new IllegalArgumentException("an SNMP engine needs at least one SNMPv3 user");
            }
        }
    }

    /** SNMP4J-agent's configuration, telling who answers and lending its session for single informs. */
    private static final class Agent extends AgentConfigManager {
        private final SystemGroup system;

        Agent(OctetString engineId, MessageDispatcherImpl dispatcher, VacmMIB vacm, MOServer[] servers, ThreadPool workers,
              EngineBootsCounterFile boots, SystemGroup system) {
            super(engineId, dispatcher, vacm, servers, workers, null, null, boots);
            this.system = system;
        }

        // SNMP4J-agent builds its SNMPv2-MIB from these two during initialize(); its own would
        // say "SNMP4J-Agent …" under SNMP4J's arc, and stations would classify the host by them.
        @Override
        public OctetString getSysDescr() {
            return new OctetString(system.descr());
        }

        @Override
        public OID getSysOID() {
            return system.objectId();
        }

        Session snmpSession() {
            return session;
        }

        MessageDispatcher messageDispatcher() {
            return dispatcher;
        }
    }

    private final Agent agent;
    private final ThreadPool workers;
    private final TransportMapping<?> transport;
    private final DefaultMOServer server;
    private final VacmMIB vacm;
    private final Spec spec;

    private SnmpAgentEngine(Agent agent, ThreadPool workers, TransportMapping<?> transport,
                            DefaultMOServer server, VacmMIB vacm, Spec spec) {
        this.agent = agent;
        this.workers = workers;
        this.transport = transport;
        this.server = server;
        this.vacm = vacm;
        this.spec = spec;
    }

    /**
     * Builds the engine (not yet listening: register objects, then {@link #start()}).
     *
     * @param firstResponders responders that see each request before SNMP4J-agent's own command
     *                        processor (for example a fast read path), given the engine's VACM
     */
    public static SnmpAgentEngine create(Spec spec, List<Function<VACM, CommandResponder>> firstResponders)
            throws IOException {
        // RFC 3414 §3.2: an unknown user, a wrong digest or a request that cannot be decrypted is
        // answered with a report at noAuthNoPriv, so the station learns why (usmStatsUnknownUserNames,
        // usmStatsDecryptionErrors …) instead of timing out. SNMP4J's default sends none.
        SNMP4JSettings.setReportSecurityLevelStrategy(SNMP4JSettings.ReportSecurityLevelStrategy.noAuthNoPrivIfNeeded);
        DefaultMOServer server = new DefaultMOServer();
        MOServer[] servers = {server};
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        TransportMapping<?> transport = TransportMappings.getInstance().createTransportMapping(
                GenericAddress.parse("udp:" + spec.address() + "/" + spec.port()));
        dispatcher.addTransportMapping(transport);

        Path parent = spec.bootsFile().toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        EngineBootsCounterFile boots = new EngineBootsCounterFile(spec.bootsFile().toFile());
        OctetString engineId = boots.getEngineId(new OctetString(MPv3.createLocalEngineID()));
        VacmMIB vacm = new SubtreeVacm(servers);
        for (Function<VACM, CommandResponder> r : firstResponders) {
            dispatcher.addCommandResponder(r.apply(vacm));
        }
        // The pool's threads are not daemons: close() stops them, or the JVM would outlive the engine.
        ThreadPool workers = ThreadPool.create("snmp-agent", 2);
        SystemGroup system = spec.system();
        Agent agent = new Agent(engineId, dispatcher, vacm, servers, workers, boots, system);
        agent.setContext(new SecurityModels(), SnmpUser.securityProtocols(), new CounterSupport());
        agent.initialize();
        SNMPv2MIB sys = agent.getSNMPv2MIB();
        sys.setName(new OctetString(system.name()));
        sys.setLocation(new OctetString(system.location()));
        sys.setContact(new OctetString(system.contact()));

        for (SnmpUser u : spec.users()) {
            agent.getUsm().addUser(new UsmUser(new OctetString(u.name()), u.authProtocol(),
                    new OctetString(u.authPassword()), u.privProtocol(), new OctetString(u.privPassword())));
            vacm.addGroup(SecurityModel.SECURITY_MODEL_USM, new OctetString(u.name()), GROUP, StorageType.readOnly);
        }
        vacm.addAccess(GROUP, new OctetString(), SecurityModel.SECURITY_MODEL_USM, SecurityLevel.AUTH_PRIV,
                MutableVACM.VACM_MATCH_EXACT, READ_VIEW, WRITE_VIEW, NOTIFY_VIEW, StorageType.readOnly);
        List<OID> readable = new ArrayList<>();
        readable.add(FederaOids.SYSTEM);
        readable.addAll(spec.readView());
        for (OID subtree : readable) {
            vacm.addViewTreeFamily(READ_VIEW, subtree, new OctetString(), VacmMIB.vacmViewIncluded, StorageType.readOnly);
            vacm.addViewTreeFamily(NOTIFY_VIEW, subtree, new OctetString(), VacmMIB.vacmViewIncluded, StorageType.readOnly);
        }
        for (OID subtree : NOTIFY_ONLY) {
            vacm.addViewTreeFamily(NOTIFY_VIEW, subtree, new OctetString(), VacmMIB.vacmViewIncluded, StorageType.readOnly);
        }
        for (OID writable : spec.writeView()) {
            vacm.addViewTreeFamily(WRITE_VIEW, writable, new OctetString(), VacmMIB.vacmViewIncluded, StorageType.readOnly);
        }

        if (spec.community().isPresent()) {
            LOG.warn("snmp.community is set: SNMPv1/v2c read-only access is on. Community strings travel in "
                    + "clear text and authenticate nothing; use SNMPv3 users instead where the station allows it.");
            OctetString name = new OctetString("federa-community");
            agent.getSnmpCommunityMIB().addSnmpCommunityEntry(new OctetString("c1"),
                    new OctetString(spec.community().get()), name, engineId, new OctetString(), new OctetString(),
                    StorageType.readOnly);
            for (int model : List.of(SecurityModel.SECURITY_MODEL_SNMPv1, SecurityModel.SECURITY_MODEL_SNMPv2c)) {
                vacm.addGroup(model, name, COMMUNITY_GROUP, StorageType.readOnly);
                vacm.addAccess(COMMUNITY_GROUP, new OctetString(), model, SecurityLevel.NOAUTH_NOPRIV,
                        MutableVACM.VACM_MATCH_EXACT, READ_VIEW, new OctetString(), NOTIFY_VIEW, StorageType.readOnly);
            }
        }

        int n = 0;
        for (NotifyTarget t : spec.notifyTargets()) {
            n++;
            OctetString target = new OctetString("target" + n);
            OctetString params = new OctetString("params" + n);
            UdpAddress udp = new UdpAddress(t.address() + "/" + t.port());
            agent.getSnmpTargetMIB().addTargetAddress(target, TransportDomains.transportDomainUdpIpv4,
                    // The timeout is in hundredths of a second.
                    new OctetString(udp.getValue()), (int) Math.max(1, t.timeoutMillis() / 10), t.retries(), NOTIFY_TAG, params,
                    StorageType.readOnly);
            agent.getSnmpTargetMIB().addTargetParams(params, MessageProcessingModel.MPv3,
                    SecurityModel.SECURITY_MODEL_USM, new OctetString(t.user()), SecurityLevel.AUTH_PRIV,
                    StorageType.readOnly);
            agent.getSnmpNotificationMIB().addNotifyEntry(target, NOTIFY_TAG,
                    t.inform() ? SnmpNotificationMIB.SnmpNotifyTypeEnum.inform : SnmpNotificationMIB.SnmpNotifyTypeEnum.trap,
                    StorageType.readOnly);
        }
        return new SnmpAgentEngine(agent, workers, transport, server, vacm, spec);
    }

    /** Registers an object in the default context. */
    public void register(ManagedObject<?> object) {
        try {
            server.register(object, null);
        } catch (DuplicateRegistrationException e) {
            throw new IllegalStateException("SNMP objects overlap: " + e.getMessage(), e);
        }
    }

    /** Opens the transport: from now on requests are answered. */
    public void start() throws IOException {
        agent.run();
        if (agent.getState() != RUNNING) {
            close();
            throw new IOException("the SNMP agent did not start on udp:" + spec.address() + "/" + spec.port());
        }
    }

    /**
     * The value of a scalar instance this engine serves, read in-process whatever the views say
     * (for example SNMPv2-MIB's snmpInPkts.0, outside every user's view), or null if none.
     */
    public Variable localValue(OID instance) {
        ManagedObject<?> mo = server.lookup(new DefaultMOQuery(new DefaultMOContextScope(null, instance, true, instance, true)));
        return mo instanceof MOScalar<?> scalar && scalar.getOid().equals(instance) ? scalar.getValue() : null;
    }

    public VACM vacm() {
        return vacm;
    }

    public NotificationOriginator notifications() {
        return agent.getNotificationOriginator();
    }

    /**
     * Sends one inform to one station, whatever the configured targets are, and waits for its
     * acknowledgement: the target's timeout, then its retries. The caller queues and retries
     * across stations' outages (the notification originator sends to every configured target at
     * once, and gives up on an inform after its retries). Blocks: never call it on an event loop.
     *
     * @param upTime when it happened (sysUpTime.0), for an inform sent late; null: now
     * @return whether the station acknowledged it
     */
    public boolean inform(NotifyTarget target, OID notification, VariableBinding[] varbinds, TimeTicks upTime)
            throws IOException {
        PDU pdu = new ScopedPDU();
        pdu.setType(PDU.INFORM);
        pdu.add(new VariableBinding(SnmpConstants.sysUpTime, upTime != null ? upTime : upTime()));
        pdu.add(new VariableBinding(SnmpConstants.snmpTrapOID, notification));
        pdu.addAll(varbinds);
        UdpAddress address = new UdpAddress(target.address() + "/" + target.port());
        UserTarget<UdpAddress> to = new UserTarget<>();
        to.setAddress(address);
        to.setVersion(SnmpConstants.version3);
        to.setSecurityModel(SecurityModel.SECURITY_MODEL_USM);
        to.setSecurityLevel(SecurityLevel.AUTH_PRIV);
        to.setSecurityName(new OctetString(target.user()));
        to.setTimeout(target.timeoutMillis());
        to.setRetries(target.retries());
        ResponseEvent<UdpAddress> answer = agent.snmpSession().send(pdu, to);
        PDU response = answer == null ? null : answer.getResponse();
        boolean acknowledged = response != null && response.getType() == PDU.RESPONSE
                && response.getErrorStatus() == PDU.noError;
        if (!acknowledged && agent.messageDispatcher().getMessageProcessingModel(MPv3.ID) instanceof MPv3 mpv3) {
            // A station that comes back may be another engine (a new ID, boots reset): discover it
            // again at the next attempt rather than trusting what the last one said.
            mpv3.removeEngineID(address);
        }
        return acknowledged;
    }

    /** sysUpTime.0: how long the engine has run, as notifications carry it. */
    public TimeTicks upTime() {
        return agent.getSysUpTime().get();
    }

    /** The UDP address the engine listens on (useful when the configured port is 0). */
    public InetSocketAddress address() {
        UdpAddress a = (UdpAddress) transport.getListenAddress();
        return new InetSocketAddress(a.getInetAddress(), a.getPort());
    }

    /** The engine ID as net-snmp's configuration takes it ({@code 0x…}, see {@link EngineIds}). */
    public String engineId() {
        return EngineIds.text(agent.getUsm().getLocalEngineID().getValue());
    }

    @Override
    public void close() {
        agent.shutdown();
        workers.cancel();
        try {
            transport.close();
        } catch (IOException e) {
            LOG.debug("closing the SNMP transport", e);
        }
    }
}
