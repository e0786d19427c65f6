package io.federa.manager.poll;

import io.federa.common.clock.WallClock;
import io.federa.manager.config.ManagerConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.snmp4j.CommandResponderEvent;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.UserTarget;
import org.snmp4j.asn1.BER;
import org.snmp4j.asn1.BERInputStream;
import org.snmp4j.event.AuthenticationFailureEvent;
import org.snmp4j.event.AuthenticationFailureListener;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.event.ResponseListener;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.PduHandle;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.security.AuthHMAC128SHA224;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.AuthHMAC256SHA384;
import org.snmp4j.security.AuthHMAC384SHA512;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.PrivAES192;
import org.snmp4j.security.PrivAES256;
import org.snmp4j.security.SecurityLevel;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Polls agents over SNMPv3 (authPriv, HMAC-SHA-2 and AES): one GET of the host scalars, then
 * GETBULK walks of the VM-MIB's vmTable and, where the agent serves FEDERA-MR-MIB, of
 * federaVmTable — or, where it does not (a third-party host), of vmStorageTable for disk sizes.
 * {@link SnmpPollParser} turns the answers into an {@link AgentReport}.
 *
 * <p>Never blocks: requests go out through SNMP4J's asynchronous send, and every answer is handed
 * back to the Vert.x context that created the agent's client, where the poll's state lives and
 * where its future completes (the {@link PollingVerticle} keeps non-thread-safe state in its
 * completion handlers). One {@link Snmp} engine and one USM serve every agent; each agent's user
 * is localized to the engine ID discovered for it, so two agents may have a user of the same name
 * with different passwords.
 *
 * <p>An answer that fails the manager's own security checks (an agent that answers a wrong
 * authentication password with an authenticated report, as SNMP4J-based agents do) never reaches
 * a response listener: SNMP4J drops it and tells an {@link AuthenticationFailureListener}, which
 * fails the poll of that address and user at once with the reason. A report the agent sends
 * unauthenticated in answer to an authenticated request (net-snmp's snmpd does so for a wrong
 * authentication password) is dropped by SNMP4J as RFC 3412 7.2.11 asks, since anyone could forge
 * it; the poller notes what it said and gives it as the reason if the poll then times out.
 *
 * <p>Bounded: a deadline for the whole poll (the poll interval), no retry within a poll (the next
 * poll is the retry), walks that must move forward inside the columns asked for, and at most
 * {@link #MAX_VARBINDS} objects per poll, so a hostile agent can neither make the manager loop
 * nor make it allocate without bound.
 */
final class SnmpPoller {
    /** Rows asked for per column in one GETBULK. */
    static final int MAX_REPETITIONS = 50;
    /** Objects kept per poll: about 35,000 VMs' worth of the columns read. */
    static final int MAX_VARBINDS = 500_000;

    private static final OID USM_STATS = new OID("1.3.6.1.6.3.15.1.1");
    private static final Map<Integer, String> USM_REPORTS = Map.of(
            1, "usmStatsUnsupportedSecLevels",
            2, "usmStatsNotInTimeWindows",
            3, "usmStatsUnknownUserNames",
            4, "usmStatsUnknownEngineIDs",
            5, "usmStatsWrongDigests",
            6, "usmStatsDecryptionErrors");

    private final Vertx vertx;
    private final long deadlineMillis;
    private final int maxVarbinds;
    private final Snmp snmp;
    private final MPv3 mpv3;
    private final USM usm;
    private final Map<Address, List<Link>> byAddress = new ConcurrentHashMap<>();
    private final List<DefaultUdpTransportMapping> ports = new ArrayList<>();

    SnmpPoller(Vertx vertx, long deadlineMillis) {
        this(vertx, deadlineMillis, MAX_VARBINDS);
    }

    /** @param maxVarbinds objects kept per poll before the agent is called hostile */
    SnmpPoller(Vertx vertx, long deadlineMillis, int maxVarbinds) {
        this.vertx = vertx;
        this.deadlineMillis = deadlineMillis;
        this.maxVarbinds = maxVarbinds;
        // The protocols the configuration offers, and only those: SNMP4J's defaults would also
        // accept DES, which the project refuses.
        SecurityProtocols protocols = io.federa.common.snmp.SnmpUser.securityProtocols();
        byte[] localEngineId = MPv3.createLocalEngineID();
        this.usm = new USM(protocols, new OctetString(localEngineId), 0);
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        this.mpv3 = new MPv3(localEngineId, null, protocols, models, CounterSupport.getInstance());
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        dispatcher.addMessageProcessingModel(mpv3);
        dispatcher.addAuthenticationFailureListener(new AuthenticationFailureListener() {
            @Override
            public <A extends Address> void authenticationFailure(AuthenticationFailureEvent<A> event) {
                securityFailure(event);
            }
        });
        try {
            this.snmp = new Snmp(dispatcher);
            // One port is enough: a Federa agent keeps a station on one snapshot only while it walks
            // forward, and each poll starts over (docs/snmp.md, "one walk, one snapshot").
            int count = 1;
            for (int i = 0; i < count; i++) {
                DefaultUdpTransportMapping port = new DefaultUdpTransportMapping();
                ports.add(port);
                snmp.addTransportMapping(port);
            }
            // Every request carries the engine ID discovered for its agent as context engine ID,
            // so SNMP4J never has to discover it on its own (that discovery would block).
            snmp.setContextEngineIdDiscoveryDisabled(true);
            Snmp.ReportHandler standard = snmp.getReportHandler();
            snmp.setReportHandler(new Snmp.ReportHandler() {
                @Override
                public <A extends Address> void processReport(PduHandle handle, CommandResponderEvent<A> event) {
                    heardReport(event);
                    standard.processReport(handle, event);
                }
            });
            snmp.listen();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a UDP socket for SNMP: " + e.getMessage(), e);
        }
    }

    /** A client for one agent; call it on the context that will poll it (PollingVerticle.start). */
    AgentClient client(ManagerConfig.Agent agent) {
        Link link = new Link(agent, vertx.getOrCreateContext());
        byAddress.computeIfAbsent(link.address, a -> new CopyOnWriteArrayList<>()).add(link);
        return (request, deadline) -> link.poll();
    }

    /** On SNMP4J's transport thread: an answer from this address failed the USM checks. */
    private void securityFailure(AuthenticationFailureEvent<?> event) {
        List<Link> links = byAddress.get(event.getAddress());
        if (links == null) {
            return;
        }
        String user = userName(event.getMessage());
        String reason = switch (event.getError()) {
            case SnmpConstants.SNMPv3_USM_AUTHENTICATION_FAILURE -> "SNMP: wrong authentication (usmStatsWrongDigests)";
            case SnmpConstants.SNMPv3_USM_DECRYPTION_ERROR ->
                    "SNMP: decryption error, check priv and privPassword (usmStatsDecryptionErrors)";
            case SnmpConstants.SNMPv3_USM_NOT_IN_TIME_WINDOW -> "SNMP: not in the agent's time window (usmStatsNotInTimeWindows)";
            case SnmpConstants.SNMPv3_USM_UNSUPPORTED_SECURITY_LEVEL ->
                    "SNMP: the agent's answer is not authPriv (usmStatsUnsupportedSecLevels)";
            default -> "SNMP: the agent's answer failed the USM checks (SNMP4J status " + event.getError() + ")";
        };
        for (Link link : links) {
            // Several agents may share an address (a test, a proxy): the user in the answer says whose it is.
            if (user == null ? links.size() == 1 : user.equals(link.agent.user())) {
                link.context.runOnContext(v -> link.securityFailure(reason));
            }
        }
    }

    /** On SNMP4J's transport thread: a report, which SNMP4J may drop if it is unauthenticated. */
    private void heardReport(CommandResponderEvent<?> event) {
        List<Link> links = byAddress.get(event.getPeerAddress());
        PDU pdu = event.getPDU();
        if (links == null || pdu == null || pdu.size() == 0 || event.getSecurityLevel() != SecurityLevel.NOAUTH_NOPRIV) {
            return;
        }
        OID oid = pdu.get(0).getOid();
        String user = event.getSecurityName() == null ? "" : new String(event.getSecurityName(), StandardCharsets.UTF_8);
        for (Link link : links) {
            String reason = usmReport(oid, link.agent.user());
            if (reason != null && user.equals(link.agent.user())) {
                link.context.runOnContext(v -> {
                    if (link.current != null) {
                        link.current.heard = reason;
                    }
                });
            }
        }
    }

    /** The reason a USM report (RFC 3414 3.2) gives, for this user; null if it is no USM report. */
    static String usmReport(OID oid, String user) {
        if (oid == null || oid.size() != USM_STATS.size() + 2 || !oid.startsWith(USM_STATS)) {
            return null;
        }
        int which = oid.get(USM_STATS.size());
        String counter = USM_REPORTS.get(which);
        if (counter == null) {
            return null;
        }
        return switch (which) {
            case 1 -> "SNMP: security level authPriv not accepted for user " + user + " (" + counter + ")";
            case 2 -> "SNMP: not in the agent's time window (" + counter + ")";
            case 3 -> "SNMP: unknown user " + user + " (" + counter + ")";
            case 4 -> "SNMP: unknown engine ID, the agent's engine changed (" + counter + ")";
            case 5 -> "SNMP: wrong authentication (" + counter + ")";
            default -> "SNMP: decryption error, check priv and privPassword (" + counter + ")";
        };
    }

    /**
     * The msgUserName of an SNMPv3 message (RFC 3412 6, RFC 3414 2.4), or null when the message
     * cannot be read that far.
     */
    static String userName(BERInputStream message) {
        try {
            ByteBuffer all = message.getBuffer().duplicate();
            all.rewind();
            BERInputStream in = new BERInputStream(all);
            BER.MutableByte type = new BER.MutableByte();
            BER.decodeHeader(in, type);          // SNMPv3Message
            BER.decodeInteger(in, type);         // msgVersion
            BER.decodeHeader(in, type);          // msgGlobalData
            BER.decodeInteger(in, type);         // msgID
            BER.decodeInteger(in, type);         // msgMaxSize
            BER.decodeString(in, type);          // msgFlags
            BER.decodeInteger(in, type);         // msgSecurityModel
            BERInputStream usm = new BERInputStream(ByteBuffer.wrap(BER.decodeString(in, type)));
            BER.decodeHeader(usm, type);         // UsmSecurityParameters
            BER.decodeString(usm, type);         // msgAuthoritativeEngineID
            BER.decodeInteger(usm, type);        // msgAuthoritativeEngineBoots
            BER.decodeInteger(usm, type);        // msgAuthoritativeEngineTime
            return new String(BER.decodeString(usm, type), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    Future<Void> close() {
        return vertx.<Void>executeBlocking(() -> {
            snmp.close();
            return null;
        });
    }

    /** One agent: its address and user, and its engine ID once discovered (touched only on its context). */
    private final class Link {
        final ManagerConfig.Agent agent;
        final Context context;
        final UdpAddress address;
        final OctetString user;
        final UsmUser usmUser;
        /** The agent's engine ID, once discovered; null again when the agent's engine changes. */
        OctetString engineId;
        /** Whether the agent has answered a request of this user since its engine ID was discovered. */
        boolean answeredUser;
        Poll current;
        /** The port the last poll left from. */
        int port;

        Link(ManagerConfig.Agent agent, Context context) {
            this.agent = agent;
            this.context = context;
            try {
                // The configuration holds IP literals only, so this resolves nothing.
                this.address = new UdpAddress(InetAddress.getByName(agent.address()), agent.port());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.user = new OctetString(agent.user());
            ManagerConfig.Snmp s = agent.snmp();
            OID auth = switch (s.auth()) {
                case SHA_224 -> AuthHMAC128SHA224.ID;
                case SHA_256 -> AuthHMAC192SHA256.ID;
                case SHA_384 -> AuthHMAC256SHA384.ID;
                case SHA_512 -> AuthHMAC384SHA512.ID;
            };
            OID priv = switch (s.priv()) {
                case AES_128 -> PrivAES128.ID;
                case AES_192 -> PrivAES192.ID;
                case AES_256 -> PrivAES256.ID;
            };
            this.usmUser = new UsmUser(user, auth, new OctetString(s.authPassword()), priv, new OctetString(s.privPassword()));
        }

        Future<AgentReport> poll() {
            Promise<AgentReport> result = Promise.promise();
            port = (port + 1) % ports.size();
            current = new Poll(this, result, ports.get(port));
            current.start();
            return result.future();
        }

        void securityFailure(String reason) {
            if (current != null) {
                current.fail(reason);
            }
        }
    }

    @FunctionalInterface
    private interface Step {
        void answered(PDU response) throws BadPayloadException, PollFailure;
    }

    /** One poll of one agent: a short chain of requests, each sent when the previous one is answered. */
    private final class Poll {
        private final Link link;
        private final Promise<AgentReport> result;
        private final DefaultUdpTransportMapping port;
        private final long deadlineNanos;
        private final List<VariableBinding> walked = new ArrayList<>();
        private List<? extends VariableBinding> scalars = List.of();
        private long timer;
        private boolean finished;
        /** What an unauthenticated report said during this poll, if one came. */
        String heard;
        private PDU pending;
        private ResponseListener pendingListener;

        Poll(Link link, Promise<AgentReport> result, DefaultUdpTransportMapping port) {
            this.link = link;
            this.result = result;
            this.port = port;
            this.deadlineNanos = System.nanoTime() + deadlineMillis * 1_000_000;
        }

        void start() {
            timer = vertx.setTimer(deadlineMillis, id -> fail(timeout()));
            if (link.engineId == null) {
                discover();
            } else {
                readScalars();
            }
        }

        private String timeout() {
            if (heard != null) {
                return heard;
            }
            if (link.engineId != null && !link.answeredUser) {
                // The agent answered discovery, unauthenticated, but not one request of this user.
                // Most agents say nothing to a user they do not know or a request they cannot
                // decrypt (a wrong privPassword gives garbage, not an error), so help the operator.
                return "timeout after " + deadlineMillis + " ms (the agent answered engine discovery but no request of user "
                        + link.agent.user() + ": check user, priv and privPassword)";
            }
            return "timeout after " + deadlineMillis + " ms";
        }

        /**
         * RFC 3414 discovery: an empty, unauthenticated request that the agent answers with a report
         * carrying its engine ID. The user is then localized to that engine ID.
         */
        private void discover() {
            ScopedPDU pdu = new ScopedPDU();
            pdu.setType(PDU.GET);
            UserTarget<UdpAddress> t = new UserTarget<>();
            t.setAddress(link.address);
            t.setVersion(SnmpConstants.version3);
            t.setSecurityLevel(SecurityLevel.NOAUTH_NOPRIV);
            t.setSecurityName(new OctetString());
            send(pdu, t, true, response -> {
                OctetString id = mpv3.getEngineID(link.address);
                if (id == null || id.length() < 5 || id.length() > 32) {
                    throw new PollFailure("SNMP: the agent did not tell its engine ID");
                }
                usm.addUser(link.usmUser, id);
                link.engineId = id;
                link.answeredUser = false;
                readScalars();
            });
        }

        private UserTarget<UdpAddress> target() {
            UserTarget<UdpAddress> t = new UserTarget<>(link.address, link.user, link.engineId.getValue(), SecurityLevel.AUTH_PRIV);
            t.setVersion(SnmpConstants.version3);
            return t;
        }

        private ScopedPDU pdu(int type) {
            ScopedPDU pdu = new ScopedPDU();
            pdu.setType(type);
            pdu.setContextEngineID(link.engineId);
            return pdu;
        }

        private void readScalars() {
            ScopedPDU pdu = pdu(PDU.GET);
            List<OID> oids = SnmpPollParser.scalarOids();
            oids.forEach(o -> pdu.add(new VariableBinding(o)));
            send(pdu, target(), false, response -> {
                if (response.getErrorStatus() == PDU.noSuchName) {
                    // An SNMPv1-minded agent: none of them is served, so neither is FEDERA-MR-MIB.
                    scalars = List.of();
                } else {
                    requireNoError(response);
                    if (response.size() != oids.size()) {
                        throw new BadPayloadException("the agent answered " + response.size() + " of the " + oids.size()
                                + " host objects asked for");
                    }
                    for (int i = 0; i < oids.size(); i++) {
                        if (!oids.get(i).equals(response.get(i).getOid())) {
                            throw new BadPayloadException("the agent answered " + response.get(i).getOid() + " for "
                                    + oids.get(i));
                        }
                    }
                    scalars = response.getVariableBindings();
                }
                boolean federa = SnmpPollParser.servesFederaMib(scalars);
                walk(SnmpPollParser.VM_COLUMNS, () -> walk(federa ? SnmpPollParser.FEDERA_VM_COLUMNS : SnmpPollParser.STORAGE_COLUMNS,
                        this::finish));
            });
        }

        private void finish() throws BadPayloadException {
            AgentReport report = SnmpPollParser.parse(scalars, walked, link.agent.name(), link.agent.snmp().host(),
                    WallClock.millis());
            if (!finished) {
                finished = true;
                vertx.cancelTimer(timer);
                if (link.current == this) {
                    link.current = null;
                }
                result.complete(report);
            }
        }

        @FunctionalInterface
        private interface Then {
            void run() throws BadPayloadException;
        }

        /** Walks the given columns side by side, GETBULK after GETBULK, each until it leaves its subtree. */
        private void walk(List<SnmpPollParser.Column> columns, Then then) throws BadPayloadException {
            OID[] next = new OID[columns.size()];
            boolean[] done = new boolean[columns.size()];
            for (int i = 0; i < next.length; i++) {
                next[i] = columns.get(i).oid();
            }
            walkStep(columns, next, done, then);
        }

        private void walkStep(List<SnmpPollParser.Column> columns, OID[] next, boolean[] done, Then then)
                throws BadPayloadException {
            List<Integer> open = new ArrayList<>();
            for (int i = 0; i < done.length; i++) {
                if (!done[i]) {
                    open.add(i);
                }
            }
            if (open.isEmpty()) {
                then.run();
                return;
            }
            ScopedPDU pdu = pdu(PDU.GETBULK);
            pdu.setNonRepeaters(0);
            pdu.setMaxRepetitions(MAX_REPETITIONS);
            open.forEach(i -> pdu.add(new VariableBinding(next[i])));
            send(pdu, target(), false, response -> {
                requireNoError(response);
                int n = open.size();
                int size = response.size();
                if (size == 0) {
                    throw new BadPayloadException("the agent answered a GETBULK with no objects");
                }
                if (size > n * MAX_REPETITIONS) {
                    throw new BadPayloadException("the agent answered " + size + " objects to a GETBULK of at most "
                            + n * MAX_REPETITIONS);
                }
                // GETBULK answers row after row: object k belongs to the k-th column asked for, modulo n.
                for (int k = 0; k < size; k++) {
                    int c = open.get(k % n);
                    if (done[c]) {
                        continue;
                    }
                    VariableBinding vb = response.get(k);
                    OID col = columns.get(c).oid();
                    OID oid = vb.getOid();
                    if (oid == null || vb.getVariable() == null || vb.getVariable().isException() || oid.size() <= col.size()
                            || !oid.startsWith(col)) {
                        done[c] = true;
                        continue;
                    }
                    if (oid.compareTo(next[c]) <= 0) {
                        throw new BadPayloadException(columns.get(c).name() + ": the agent went back from "
                                + next[c] + " to " + oid);
                    }
                    if (walked.size() >= maxVarbinds) {
                        throw new BadPayloadException("the agent answered more than " + maxVarbinds + " objects");
                    }
                    next[c] = oid;
                    walked.add(vb);
                }
                walkStep(columns, next, done, then);
            });
        }

        private void requireNoError(PDU response) throws PollFailure {
            if (response.getErrorStatus() != PDU.noError) {
                throw new PollFailure("SNMP: the agent answered " + response.getErrorStatusText() + " (error-index "
                        + response.getErrorIndex() + ")");
            }
        }

        /** Sends one request; {@code step} runs on the agent's context with the answer. */
        private void send(PDU pdu, UserTarget<UdpAddress> target, boolean reportAnswers, Step step) {
            if (finished) {
                return;
            }
            long remaining = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (remaining <= 0) {
                fail(timeout());
                return;
            }
            target.setTimeout(remaining);
            target.setRetries(0);
            ResponseListener listener = new ResponseListener() {
                @Override
                public <A extends Address> void onResponse(ResponseEvent<A> event) {
                    // On SNMP4J's transport or timer thread: release the request, then go back to the context.
                    snmp.cancel(event.getRequest(), this);
                    link.context.runOnContext(v -> answered(event, reportAnswers, step));
                }
            };
            pending = pdu;
            pendingListener = listener;
            try {
                snmp.send(pdu, target, port, null, listener);
            } catch (IOException | RuntimeException e) {
                fail("SNMP: cannot send: " + e.getMessage());
            }
        }

        private void answered(ResponseEvent<?> event, boolean reportAnswers, Step step) {
            if (finished) {
                return;
            }
            pending = null;
            pendingListener = null;
            PDU response = event.getResponse();
            if (event.getError() != null) {
                fail("SNMP: " + clip(String.valueOf(event.getError().getMessage())));
                return;
            }
            if (response == null) {
                fail(timeout());
                return;
            }
            if (response.getType() == PDU.RESPONSE && !reportAnswers) {
                link.answeredUser = true;
            }
            if (response.getType() == PDU.REPORT && !reportAnswers) {
                fail(report(response));
                return;
            }
            if (response.getType() != PDU.RESPONSE && response.getType() != PDU.REPORT) {
                fail("bad payload: the agent answered a " + PDU.getTypeString(response.getType()) + " PDU");
                return;
            }
            try {
                step.answered(response);
            } catch (BadPayloadException e) {
                fail("bad payload: " + e.getMessage());
            } catch (PollFailure e) {
                fail(e.getMessage());
            } catch (RuntimeException e) {
                // A bug or a surprise of SNMP4J's: the poll fails with it, the poller goes on.
                fail("poll failed: " + e);
            }
        }

        /** What a report PDU says, in words an operator can act on. */
        private String report(PDU response) {
            OID oid = response.size() == 0 ? null : response.get(0).getOid();
            String reason = usmReport(oid, link.agent.user());
            if (oid != null && oid.equals(new OID(USM_STATS).append("4.0"))) {
                // The agent's engine changed (its boot file was reset): discover it again next time.
                link.engineId = null;
            }
            return reason != null ? reason : "SNMP: the agent reported " + (oid == null ? "nothing" : oid.toDottedString());
        }

        private void fail(String reason) {
            if (finished) {
                return;
            }
            finished = true;
            vertx.cancelTimer(timer);
            if (link.current == this) {
                link.current = null;
            }
            if (pending != null) {
                snmp.cancel(pending, pendingListener);
                pending = null;
            }
            result.fail(new PollFailure(reason));
        }
    }

    private static String clip(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
