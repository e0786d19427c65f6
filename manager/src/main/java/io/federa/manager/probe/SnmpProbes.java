package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.snmp4j.CommunityTarget;
import org.snmp4j.MessageDispatcherImpl;
import org.snmp4j.PDU;
import org.snmp4j.Snmp;
import org.snmp4j.event.ResponseEvent;
import org.snmp4j.event.ResponseListener;
import org.snmp4j.mp.MPv2c;
import org.snmp4j.mp.SnmpConstants;
import org.snmp4j.smi.Address;
import org.snmp4j.smi.Integer32;
import org.snmp4j.smi.OID;
import org.snmp4j.smi.OctetString;
import org.snmp4j.smi.UdpAddress;
import org.snmp4j.smi.UnsignedInteger32;
import org.snmp4j.smi.Variable;
import org.snmp4j.smi.VariableBinding;
import org.snmp4j.transport.DefaultUdpTransportMapping;

import java.io.IOException;
import java.util.OptionalDouble;

/**
 * SNMP probes: one SNMPv2c GET of the probe's OID (and of its load OID, in the same request) to
 * the guest's forwarded UDP port, no retry, answered within the probe's timeout. One SNMP4J engine
 * with one UDP socket serves every probe; answers return to the caller's context.
 */
final class SnmpProbes {
    private final Snmp snmp;

    SnmpProbes() throws IOException {
        MessageDispatcherImpl dispatcher = new MessageDispatcherImpl();
        dispatcher.addMessageProcessingModel(new MPv2c());
        snmp = new Snmp(dispatcher, new DefaultUdpTransportMapping());
        snmp.listen();
    }

    Future<ProbeResult> get(Context context, String host, int port, ProbeSpec.Snmp ask, ProbeSpec spec, long nowMillis) {
        long t0 = System.nanoTime();
        long timeout = spec.timeout().toMillis();
        CommunityTarget<UdpAddress> target = new CommunityTarget<>(new UdpAddress(host + "/" + port),
                new OctetString(ask.community()));
        target.setVersion(SnmpConstants.version2c);
        target.setTimeout(timeout);
        target.setRetries(0);
        PDU pdu = new PDU();
        pdu.setType(PDU.GET);
        pdu.add(new VariableBinding(new OID(ask.oid())));
        spec.loadField().ifPresent(l -> pdu.add(new VariableBinding(new OID(l))));
        Promise<ProbeResult> result = Promise.promise();
        ResponseListener listener = new ResponseListener() {
            @Override
            public <A extends Address> void onResponse(ResponseEvent<A> event) {
                // On SNMP4J's transport or timer thread: release the request, then go back to the context.
                snmp.cancel(event.getRequest(), this);
                ProbeResult r = judge(event, ask, spec, timeout, GuestProbes.at(nowMillis, t0));
                context.runOnContext(v -> result.complete(r));
            }
        };
        try {
            snmp.send(pdu, target, null, listener);
        } catch (IOException | RuntimeException e) {
            return Future.succeededFuture(ProbeResult.failed("SNMP: cannot send: " + e.getMessage(), nowMillis));
        }
        return result.future();
    }

    static ProbeResult judge(ResponseEvent<?> event, ProbeSpec.Snmp ask, ProbeSpec spec, long timeout, long when) {
        if (event.getError() != null) {
            return ProbeResult.failed("SNMP: " + event.getError().getMessage(), when);
        }
        PDU response = event.getResponse();
        if (response == null) {
            return ProbeResult.failed("no answer within " + timeout + " ms (SNMPv2c, community as configured)", when);
        }
        if (response.getErrorStatus() != PDU.noError) {
            return ProbeResult.failed("SNMP " + response.getErrorStatusText() + " (index " + response.getErrorIndex() + ")", when);
        }
        if (response.size() < 1) {
            return ProbeResult.failed("SNMP: an answer without " + ask.oid(), when);
        }
        Variable health = response.get(0).getVariable();
        if (health.isException()) {
            return ProbeResult.failed(ask.oid() + " is " + health, when);
        }
        // The load: an INTEGER or an unsigned 32-bit value (Gauge32, Counter32) from 0 to 100.
        Variable load = spec.loadField().isPresent() && response.size() > 1 ? response.get(1).getVariable() : null;
        if (load instanceof Integer32 || load instanceof UnsignedInteger32) {
            long percent = load.toLong();
            if (percent >= 0 && percent <= 100) {
                return ProbeResult.passed(OptionalDouble.of(percent / 100.0), when);
            }
        }
        return ProbeResult.passed(OptionalDouble.empty(), when);
    }

    void close() {
        try {
            snmp.close();
        } catch (IOException e) {
            // Closing a UDP socket: nothing to do about it.
        }
    }
}
