package io.federa.agent.tls;

import io.federa.common.tls.Pem;
import io.federa.agent.config.AgentConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;

import javax.net.ssl.SSLContext;

/**
 * The agent's TLS, built once at start from the PEM text its configuration loader read (no file
 * is read on an event loop): the listeners' certificate and key, the authority that clients' and
 * peers' certificates must chain to, and the context of the agent's own clients (peer checks over
 * the JDK, data pulls over Vert.x), which trust that authority only and present the agent's certificate — so a fleet
 * that requires client certificates still reaches its peers.
 */
public final class AgentTls implements io.federa.common.http.ServerTls {
    private final AgentConfig.Tls config;
    private final SSLContext clients;

    private AgentTls(AgentConfig.Tls config, SSLContext clients) {
        this.config = config;
        this.clients = clients;
    }

    public static AgentTls of(AgentConfig.Tls config) {
        return new AgentTls(config, Pem.context(Pem.certificates(config.caPem()), Pem.privateKey(config.keyPem()),
                Pem.certificates(config.certPem())));
    }

    /** Makes {@code options} serve TLS only (a plain HTTP request is closed unanswered), with client certificates when required. */
    @Override
    public HttpServerOptions serve(HttpServerOptions options) {
        options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(config.certPem())).setKeyValue(Buffer.buffer(config.keyPem())));
        if (config.requireClientCert()) {
            options.setClientAuth(ClientAuth.REQUIRED)
                    .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.caPem())));
        }
        return options;
    }

    /**
     * Makes {@code options} trust the fleet's authority only, check the server's name, and present
     * this agent's certificate, for the requests that ask for TLS (an {@code https} URL): the
     * Vert.x counterpart of {@link #clientContext}.
     */
    public HttpClientOptions client(HttpClientOptions options) {
        return options.setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(config.caPem())))
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertValue(Buffer.buffer(config.certPem())).setKeyValue(Buffer.buffer(config.keyPem())));
    }

    /** The context of the agent's JDK clients. */
    public SSLContext clientContext() {
        return clients;
    }

    public boolean requiresClientCert() {
        return config.requireClientCert();
    }
}
