package io.federa.common.http;

import java.time.Duration;

/**
 * The bounds an HTTP listener of Federa keeps, so that nothing a client sends — slowly, often or
 * in bulk — can stop the process answering the requests that keep VMs running (docs/agent.md and
 * docs/manager.md, "Limits on every listener").
 *
 * @param requestHeadTimeout  a connection must deliver a whole request head (request line and
 *                            headers) this soon after it opens
 * @param keepAliveTimeout    and each further request head this soon after the previous answer
 * @param requestTimeout      a request's body must arrive, and its answer leave, this soon after
 *                            its head (where the listener asks for it: transfers of VM data do not)
 * @param idleTimeout         a connection that sends and receives nothing this long is closed
 * @param maxConnectionsPerAddress connections open at once from one client address
 * @param maxConnections      connections open at once in all
 * @param maxHeaderBytes      the request head's size
 */
public record ListenerLimits(Duration requestHeadTimeout, Duration keepAliveTimeout, Duration requestTimeout,
                             Duration idleTimeout, int maxConnectionsPerAddress, int maxConnections, int maxHeaderBytes) {

    public ListenerLimits {
        for (Duration d : new Duration[] {requestHeadTimeout, keepAliveTimeout, requestTimeout, idleTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("a listener's timeouts must be positive: " + d);
            }
        }
        if (maxConnectionsPerAddress < 1 || maxConnections < maxConnectionsPerAddress || maxHeaderBytes < 512) {
            throw new IllegalArgumentException("a listener needs at least one connection per address, no fewer in all,"
                    + " and a request head of at least 512 bytes: " + maxConnectionsPerAddress + ", " + maxConnections
                    + ", " + maxHeaderBytes);
        }
    }
}
