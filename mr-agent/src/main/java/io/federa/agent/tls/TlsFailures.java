package io.federa.agent.tls;

import javax.net.ssl.SSLException;

/** Says in words what a failed TLS connection of the agent's JDK clients means, naming whom it tried to reach. */
public final class TlsFailures {
    private TlsFailures() {
    }

    /** A sentence for a failure of a TLS connection to {@code whom}, or null when {@code e} has no TLS cause. */
    public static String describe(Throwable e, String whom) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS: the certificate of " + whom + " is not signed by an authority in tls.ca";
            }
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "TLS: the certificate of " + whom + " does not name the address asked (" + m + ")";
            }
        }
        // The specific causes above may lie under a general one ("Failed to create SSL connection").
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                Throwable root = t;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                return "TLS: the handshake with " + whom + " failed: " + root.getMessage();
            }
        }
        return null;
    }
}
