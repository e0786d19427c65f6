package io.federa.common.tls;

import javax.net.ssl.SSLException;

/** Says in words what a failed TLS connection means, naming whom it tried to reach. */
public final class TlsFailures {
    private TlsFailures() {
    }

    /**
     * A sentence for a failure of a TLS connection to {@code whom}, or null when {@code e} has no
     * TLS cause.
     *
     * @param own whose certificate the connection presented, as the sentence names it
     *            ({@code the manager's}, {@code this agent's})
     */
    public static String describe(Throwable e, String whom, String own) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
                return "TLS: the certificate of " + whom + " is not signed by the authority in tls.ca";
            }
            if (m.contains("No subject alternative") || m.contains("No name matching")) {
                return "TLS: the certificate of " + whom + " does not name the address asked (" + m + ")";
            }
            if (m.contains("certificate_required") || m.contains("bad_certificate")) {
                return "TLS: " + whom + " refused " + own + " certificate (" + m + ")";
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
