package io.federa.manager.poll;

import org.snmp4j.CommandResponder;
import org.snmp4j.CommandResponderEvent;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.MessageException;
import org.snmp4j.PDU;
import org.snmp4j.ScopedPDU;
import org.snmp4j.Snmp;
import org.snmp4j.mp.CounterSupport;
import org.snmp4j.mp.MPv3;
import org.snmp4j.mp.StatusInformation;
import org.snmp4j.security.AuthHMAC192SHA256;
import org.snmp4j.security.PrivAES128;
import org.snmp4j.security.SecurityModels;
import org.snmp4j.security.SecurityProtocols;
import org.snmp4j.security.USM;
import org.snmp4j.security.UsmUser;
import org.snmp4j.smi.Null;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.IOException;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An SNMPv3 agent made of SNMP4J's own engine (USM, authPriv with SHA-256 and AES-128, users noc and ops)
 * on 127.0.0.1, answering GET and GETBULK from a table of objects, or however a test tells it to
 * misbehave: a real protocol peer for the poller, with none of the MR agent's care.
 */
final class FakeSnmpAgent implements AutoCloseable {
    static final String USER = "noc";
    static final String AUTH = "fake-auth-pass";
    static final String PRIV = "fake-priv-pass";
    static final String OTHER_USER = "ops";
    static final String OTHER_AUTH = "other-auth-pass";

    private final Snmp snmp;
    private final DefaultUdpTransportMapping transport;
    final NavigableMap<OID, Variable> objects = new TreeMap<>();
    /** How the agent answers a request; by default, honestly from {@link #objects}. */
    volatile UnaryOperator<PDU> answer = this::honest;

    FakeSnmpAgent() throws IOException {
        SecurityProtocols protocols = new SecurityProtocols(SecurityProtocols.SecurityProtocolSet.none);
        protocols.addAuthenticationProtocol(new AuthHMAC192SHA256());
        protocols.addPrivacyProtocol(new PrivAES128());
        byte[] engineId = MPv3.createLocalEngineID(new OctetString("fake-agent"));
        USM usm = new USM(protocols, new OctetString(engineId), 1);
        usm.addUser(new UsmUser(new OctetString(USER), AuthHMAC192SHA256.ID, new OctetString(AUTH), PrivAES128.ID,
                new OctetString(PRIV)), new OctetString(engineId));
        usm.addUser(new UsmUser(new OctetString(OTHER_USER), AuthHMAC192SHA256.ID, new OctetString(OTHER_AUTH), PrivAES128.ID,
                new OctetString(PRIV)), new OctetString(engineId));
        SecurityModels models = new SecurityModels();
        models.addSecurityModel(usm);
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        dispatcher.addMessageProcessingModel(new MPv3(engineId, null, protocols, models, CounterSupport.getInstance()));
        transport = new DefaultUdpTransportMapping(new UdpAddress("127.0.0.1/0"));
        snmp = new Snmp(dispatcher, transport);
        snmp.addCommandResponder(new CommandResponder() {
            @Override
            public <A extends org.snmp4j.smi.Address> void processPdu(CommandResponderEvent<A> event) {
                PDU response = answer.apply(event.getPDU());
                if (response == null) {
                    return; // silence
                }
                response.setType(PDU.RESPONSE);
                response.setRequestID(event.getPDU().getRequestID());
                if (response instanceof ScopedPDU r && event.getPDU() instanceof ScopedPDU q) {
                    r.setContextEngineID(q.getContextEngineID());
                    r.setContextName(q.getContextName());
                }
                try {
                    event.getMessageDispatcher().returnResponsePdu(event.getMessageProcessingModel(), event.getSecurityModel(),
                            event.getSecurityName(), event.getSecurityLevel(), response, event.getMaxSizeResponsePDU(),
                            event.getStateReference(), new StatusInformation());
                } catch (MessageException e) {
                    throw new IllegalStateException(e);
                }
                event.setProcessed(true);
            }
        });
        snmp.listen();
    }

    int port() {
        return transport.getListenAddress().getPort();
    }

    void putAll(Map<OID, Variable> m) {
        objects.putAll(m);
    }

    /** GET and GETBULK as RFC 3416 says, from {@link #objects}; SNMPv3 answers are scoped PDUs. */
    PDU honest(PDU request) {
        PDU response = new ScopedPDU();
        if (request.getType() == PDU.GET) {
            for (VariableBinding vb : request.getVariableBindings()) {
                Variable v = objects.get(vb.getOid());
                response.add(new VariableBinding(vb.getOid(), v == null ? Null.noSuchObject : v));
            }
            return response;
        }
        int n = request.size();
        OID[] next = new OID[n];
        for (int i = 0; i < n; i++) {
            next[i] = request.get(i).getOid();
        }
        for (int r = 0; r < request.getMaxRepetitions(); r++) {
            for (int i = 0; i < n; i++) {
                Map.Entry<OID, Variable> e = next[i] == null ? null : objects.higherEntry(next[i]);
                if (e == null) {
                    response.add(new VariableBinding(next[i] == null ? request.get(i).getOid() : next[i], Null.endOfMibView));
                    next[i] = null;
                } else {
                    response.add(new VariableBinding(e.getKey(), e.getValue()));
                    next[i] = e.getKey();
                }
            }
        }
        return response;
    }

    @Override
    public void close() throws IOException {
        snmp.close();
    }
}
