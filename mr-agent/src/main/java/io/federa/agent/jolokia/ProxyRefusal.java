package io.federa.agent.jolokia;

import org.jolokia.server.core.request.JolokiaRequest;
import org.jolokia.server.core.service.request.AbstractRequestHandler;

/**
 * Refuses every request that names a remote JMX {@code target}. The JSR-160 proxy service is not
 * on the class path, so without this handler such a request would be answered from the local
 * MBean server as if the target were not there; refusing it says plainly that proxy mode is off.
 * Registered ahead of Jolokia's local handler so it sees such requests first.
 */
final class ProxyRefusal extends AbstractRequestHandler {
    ProxyRefusal() {
        super("federa-proxy-refusal", 0);
    }

    @Override
    public boolean canHandle(JolokiaRequest request) {
        return request.getOption("target") != null || request.getOption("targetId") != null;
    }

    @Override
    public <R extends JolokiaRequest> Object handleRequest(R request, Object previous) {
        throw new SecurityException("proxy requests (a \"target\" naming another JMX server) are not served by a Federa agent");
    }
}
