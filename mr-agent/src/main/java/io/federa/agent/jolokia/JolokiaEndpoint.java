package io.federa.agent.jolokia;

import com.sun.net.httpserver.Authenticator;
import io.federa.agent.config.AgentConfig;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;
import org.jolokia.server.core.service.api.LogHandler;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The embedded Jolokia JVM agent: JMX over HTTP for the manager. Bound to the configured address
 * only, basic authentication always on, a deny-by-default policy loaded through a {@code file:}
 * URL, no stack traces in answers, and no JSR-160 proxy (its service is not even on the class path).
 */
public final class JolokiaEndpoint implements AutoCloseable {
    public static final String POLICY_RESOURCE = "/io/federa/agent/jolokia/jolokia-access.xml";
    public static final String CONTEXT = "/jolokia/";
    private static final Logger LOG = Logger.getLogger(JolokiaEndpoint.class.getName());

    private final JolokiaServer server;

    private JolokiaEndpoint(JolokiaServer server) {
        this.server = server;
    }

    /**
     * Starts Jolokia. Without a configured policy file, the built-in policy is written to the data
     * directory on each start (so an upgrade brings its policy along) and loaded from there.
     */
    public static JolokiaEndpoint start(AgentConfig.Jolokia config, Path dataDir) throws IOException {
        Path policy = config.policyFile().orElse(null);
        if (policy == null) {
            policy = dataDir.resolve("jolokia-access.xml");
            try (InputStream in = JolokiaEndpoint.class.getResourceAsStream(POLICY_RESOURCE)) {
                if (in == null) {
                    throw new IOException("the built-in Jolokia policy " + POLICY_RESOURCE + " is missing from the jar");
                }
                Files.createDirectories(dataDir);
                Files.copy(in, policy, StandardCopyOption.REPLACE_EXISTING);
            }
        } else if (!Files.isReadable(policy)) {
            throw new IOException("jolokia.policyFile " + policy + " cannot be read");
        }
        Map<String, String> c = new HashMap<>();
        c.put("host", config.address());
        c.put("port", Integer.toString(config.port()));
        c.put("agentContext", CONTEXT);
        c.put("policyLocation", policy.toUri().toString());
        c.put("realm", "federa");
        c.put("discoveryEnabled", "false");
        c.put("includeStackTrace", "false");
        c.put("executor", "fixed");
        c.put("threadNr", "4");
        c.put("threadNamePrefix", "jolokia-");
        c.put("debug", "false");
        Authenticator auth = new UsersAuthenticator("federa", config.users());
        JolokiaServerConfig serverConfig = new JolokiaServerConfig(c) {
            @Override
            public Authenticator getAuthenticator() {
                return auth;
            }
        };
        JolokiaServer server = new FederaJolokiaServer(serverConfig);
        server.start(false);
        return new JolokiaEndpoint(server);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** The URL to POST requests to, e.g. {@code http://127.0.0.1:8778/jolokia/}. */
    public String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return "http://" + host + ":" + a.getPort() + CONTEXT;
    }

    @Override
    public void close() {
        server.stop();
    }

    /** Jolokia's server with one service added: the refusal of proxy requests. */
    private static final class FederaJolokiaServer extends JolokiaServer {
        FederaJolokiaServer(JolokiaServerConfig config) throws IOException {
            super(config, new JulLogHandler());
            addService(new ProxyRefusal());
        }
    }

    /** Jolokia's own messages go to the agent's log, quietly. */
    private static final class JulLogHandler implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.fine(message);
        }

        @Override
        public void info(String message) {
            LOG.fine(message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.log(Level.WARNING, message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isLoggable(Level.FINE);
        }
    }
}
