package io.federa.manager.tls;

import io.federa.common.tls.Pem;
import io.federa.manager.config.ManagerConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.util.List;

/**
 * The manager's TLS, from the PEM text its configuration loader read at start (no file is read
 * on an event loop): the API's and webhook's certificate and key, which it also presents to
 * agents that require client certificates, and the authority the agents' certificates must chain
 * to (checked, with the address asked, on every poll and command).
 */
public final class ManagerTls implements io.federa.common.http.ServerTls {
    private final ManagerConfig.Tls config;

    public ManagerTls(ManagerConfig.Tls config) {
        this.config = config;
    }

    private PemKeyCertOptions own() {
        return new PemKeyCertOptions().setCertValue(Buffer.buffer(config.certPem())).setKeyValue(Buffer.buffer(config.keyPem()));
    }

    /** Makes {@code options} serve TLS only: a plain HTTP request is closed unanswered. */
    @Override
    public HttpServerOptions serve(HttpServerOptions options) {
        options.setSsl(true).setKeyCertOptions(own());
        return options;
    }

    /**
     * Makes {@code options} connect over TLS only, trusting the configured authority alone,
     * checking that the certificate names the address asked (an IP address in its subject
     * alternative names), and presenting the manager's certificate when asked for one.
     */
    public HttpClientOptions connect(HttpClientOptions options) {
        options.setSsl(true).setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.caPem())))
                .setKeyCertOptions(own());
        return options;
    }

    /** The SHA-256 fingerprint of the certificate the other side presented on {@code c}; empty on a plain connection. */
    public static String fingerprint(HttpConnection c) {
        if (c == null || !c.isSsl()) {
            return "";
        }
        try {
            List<Certificate> chain = c.peerCertificates();
            return chain == null || chain.isEmpty() ? "" : Pem.fingerprint(chain.get(0));
        } catch (SSLPeerUnverifiedException e) {
            return "";
        }
    }

    /** A sentence for a failed TLS connection to {@code whom}, or null when {@code e} has no TLS cause. */
    public static String describe(Throwable e, String whom) {
        return io.federa.common.tls.TlsFailures.describe(e, whom, "the manager's");
    }
}
