package io.federa.agent.jolokia;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.federa.agent.config.AgentConfig;
import io.federa.agent.core.HostSnapshot;
import io.federa.agent.http.HttpLimits;
import io.federa.common.http.AuthThrottle;
import io.federa.common.http.GuardedServer;
import io.federa.common.http.ListenerLimits;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.jolokia.json.JSONStructure;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.StaticConfiguration;
import org.jolokia.server.core.http.HttpRequestHandler;
import org.jolokia.server.core.request.BadRequestException;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.service.JolokiaServiceManagerFactory;
import org.jolokia.server.core.service.api.JolokiaContext;
import org.jolokia.server.core.service.api.JolokiaServiceManager;
import org.jolokia.server.core.service.api.LogHandler;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.service.impl.ClasspathServiceCreator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JMX over HTTP for the manager: Jolokia's server core (its request handler, policy and JMX
 * services) behind the agent's own Vert.x listener, which owns the limits ({@link HttpLimits}).
 * Bound to the configured address only, basic authentication checked before a byte of the body
 * is read, POST only, a deny-by-default policy loaded through a {@code file:} URL, no stack traces
 * in answers, and no JSR-160 proxy (its service is not even on the class path).
 *
 * <p>Only Jolokia's POST protocol is served: no GET forms, no {@code config} or notification
 * requests, no per-request options beyond {@link #ITEM_OPTIONS}. A bulk request carries at most
 * {@link HttpLimits#JOLOKIA_MAX_BULK_ITEMS} requests; its items are answered one after another and
 * serialized at once, so an answer never holds more than {@link HttpLimits#JOLOKIA_MAX_ANSWER_BYTES}
 * (the items past it are answered with an error). The JMX work runs on
 * {@link HttpLimits#JOLOKIA_THREADS} worker threads, never on the event loop; bulk requests of
 * more than {@link HttpLimits#JOLOKIA_LARGE_BULK_ITEMS} items on threads of their own, so that a
 * poll never waits behind them.
 *
 * <p>The manager's poll — the two reads of its bulk request, exactly as it sends them — is
 * answered from the latest snapshot by {@link PollAnswers}, after the same authentication, limits
 * and access check, and only where the policy lets Jolokia answer the same; every other item, the
 * lease renewal that follows those reads included, goes to Jolokia. The items are joined into one
 * JSON array in the order asked.
 */
public final class JolokiaEndpoint implements AutoCloseable {
    public static final String POLICY_RESOURCE = "/io/federa/agent/jolokia/jolokia-access.xml";
    public static final String CONTEXT = "/jolokia/";
    private static final Logger LOG = LoggerFactory.getLogger(JolokiaEndpoint.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The request types served; {@code write} is left to the policy, which refuses it with 403. */
    static final Set<String> TYPES = Set.of("read", "exec", "list", "search", "version", "write");

    /** The per-request options a client may set (the others could lift the agent's limits). */
    static final Set<String> ITEM_OPTIONS = Set.of("ignoreErrors", "serializeLong", "canonicalNaming", "includeRequest");

    private final String address;
    private final GuardedServer server;
    private final JolokiaServiceManager services;
    private final Lanes lanes;
    private final PollAnswers poll;

    private JolokiaEndpoint(String address, GuardedServer server, JolokiaServiceManager services, Lanes lanes,
                            PollAnswers poll) {
        this.address = address;
        this.server = server;
        this.services = services;
        this.lanes = lanes;
        this.poll = poll;
    }

    /**
     * Starts Jolokia. Without a configured policy file, the built-in policy is written to the data
     * directory on each start (so an upgrade brings its policy along) and loaded from there.
     */
    public static JolokiaEndpoint start(Vertx vertx, AgentConfig.Jolokia config, Path dataDir,
                                        Supplier<HostSnapshot> latest) throws IOException {
        return start(vertx, config, dataDir, HttpLimits.DEFAULT, java.util.Optional.empty(), latest);
    }

    /**
     * Over TLS only when {@code tls} is given. {@code latest} is the sampler's latest snapshot, from
     * which the manager's poll is answered ({@link PollAnswers}); hand {@link #sampleListener()}
     * to the sampler so that a sample's answer is dropped when the next one arrives.
     */
    public static JolokiaEndpoint start(Vertx vertx, AgentConfig.Jolokia config, Path dataDir, ListenerLimits limits,
                                        java.util.Optional<io.federa.agent.tls.AgentTls> tls,
                                        Supplier<HostSnapshot> latest) throws IOException {
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
        c.put(ConfigKey.POLICY_LOCATION.getKeyValue(), policy.toUri().toString());
        c.put(ConfigKey.DISCOVERY_ENABLED.getKeyValue(), "false");
        c.put(ConfigKey.INCLUDE_STACKTRACE.getKeyValue(), "false");
        c.put(ConfigKey.MAX_OBJECTS.getKeyValue(), Integer.toString(HttpLimits.JOLOKIA_MAX_OBJECTS_PER_ITEM));
        c.put(ConfigKey.DEBUG.getKeyValue(), "false");
        c.put(ConfigKey.AGENT_ID.getKeyValue(), "federa-mr-agent");
        StaticConfiguration jolokiaConfig = new StaticConfiguration(c);
        LogHandler log = new JulLogHandler();
        Restrictor restrictor = RestrictorFactory.createRestrictor(jolokiaConfig, log);
        JolokiaServiceManager services = JolokiaServiceManagerFactory.createJolokiaServiceManager(jolokiaConfig, log, restrictor);
        services.addServices(new ClasspathServiceCreator(JolokiaEndpoint.class.getClassLoader(), "services"));
        services.addService(new ProxyRefusal());
        JolokiaContext context = services.start();
        HttpRequestHandler jolokia = new HttpRequestHandler(context);
        PollAnswers poll = new PollAnswers(latest, System::currentTimeMillis, restrictor,
                HttpLimits.JOLOKIA_MAX_OBJECTS_PER_ITEM);

        Lanes lanes = new Lanes(
                new Lane(vertx.createSharedWorkerExecutor("jolokia", HttpLimits.JOLOKIA_THREADS, 10, TimeUnit.MINUTES),
                        new AtomicInteger(), HttpLimits.JOLOKIA_THREADS + HttpLimits.JOLOKIA_MAX_WAITING),
                new Lane(vertx.createSharedWorkerExecutor("jolokia-bulk", HttpLimits.JOLOKIA_LARGE_THREADS, 10, TimeUnit.MINUTES),
                        new AtomicInteger(), HttpLimits.JOLOKIA_LARGE_THREADS + HttpLimits.JOLOKIA_LARGE_MAX_WAITING));
        BasicUsers users = new BasicUsers(config.users());
        AuthThrottle throttle = new AuthThrottle();
        GuardedServer[] self = new GuardedServer[1];
        try {
            self[0] = GuardedServer.listen(vertx, "jolokia", config.address(), config.port(), limits, tls,
                    req -> handle(req, self[0], users, throttle, jolokia, poll, lanes));
        } catch (RuntimeException e) {
            lanes.close();
            services.stop();
            throw new IOException(e.getMessage(), e);
        }
        return new JolokiaEndpoint(config.address(), self[0], services, lanes, poll);
    }

    private static void handle(HttpServerRequest req, GuardedServer server, BasicUsers users, AuthThrottle throttle,
                               HttpRequestHandler jolokia, PollAnswers poll, Lanes lanes) {
        server.deadline(req);
        String path = req.path();
        if (req.method() != HttpMethod.POST) {
            req.response().putHeader("Allow", "POST");
            refuse(req, 405, "HTTP method " + req.method().name() + " is not allowed: the agent's Jolokia takes POST only");
            return;
        }
        if (!CONTEXT.equals(path) && !"/jolokia".equals(path)) {
            refuse(req, 404, "no such resource: the agent's Jolokia is at " + CONTEXT);
            return;
        }
        String client = req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
        long wait = throttle.retryAfterSeconds(client);
        if (wait > 0) {
            req.response().putHeader("Retry-After", Long.toString(wait));
            refuse(req, 429, "too many failed authentications from " + client + "; try again in " + wait + " s");
            return;
        }
        if (!users.authenticates(req.getHeader("Authorization"))) {
            throttle.failed(client);
            req.response().putHeader("WWW-Authenticate", "Basic realm=\"federa\"");
            refuse(req, 401, "a user name and password (HTTP basic authentication) are required");
            return;
        }
        throttle.succeeded(client);
        String length = req.getHeader("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                refuse(req, 400, "Content-Length is not a number");
                return;
            }
            if (declared > HttpLimits.JOLOKIA_MAX_BODY_BYTES) {
                refuse(req, 413, tooLarge());
                return;
            }
        }
        Buffer body = Buffer.buffer();
        boolean[] refused = {false};
        req.handler(chunk -> {
            if (refused[0]) {
                return;
            }
            if (body.length() + chunk.length() > HttpLimits.JOLOKIA_MAX_BODY_BYTES) {
                refused[0] = true;
                refuse(req, 413, tooLarge());
                return;
            }
            body.appendBuffer(chunk);
        });
        req.exceptionHandler(e -> LOG.debug("jolokia request from " + req.remoteAddress() + " failed: " + e));
        req.endHandler(v -> {
            if (refused[0]) {
                return;
            }
            // Parsed here, on the event loop: the body is at most 1 MiB, and its shape decides the lane.
            JsonNode root;
            try {
                root = JSON.readTree(body.getBytes());
            } catch (IOException e) {
                send(req.response(), 400, errorJson(null, 400, "java.lang.IllegalArgumentException",
                        "the body is not JSON: " + firstLine(e)));
                return;
            }
            boolean large = root != null && root.isArray() && root.size() > HttpLimits.JOLOKIA_LARGE_BULK_ITEMS;
            Lane lane = large ? lanes.large() : lanes.small();
            if (lane.pending().incrementAndGet() > lane.limit()) {
                lane.pending().decrementAndGet();
                req.response().putHeader("Retry-After", "1");
                send(req.response(), 503, errorJson(null, 503, "java.lang.IllegalStateException",
                        "busy: " + (lane.limit()) + " " + (large ? "large bulk " : "") + "requests are already in hand"));
                return;
            }
            String remote = req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
            String origin = req.getHeader("Origin");
            lane.workers().executeBlocking(() -> answer(jolokia, poll, root, remote, origin), false)
                    .onComplete(r -> {
                        lane.pending().decrementAndGet();
                        if (r.succeeded()) {
                            send(req.response(), r.result().status(), r.result().body());
                        } else {
                            LOG.warn("a Jolokia request failed", r.cause());
                            send(req.response(), 500, errorJson(null, 500, r.cause().getClass().getName(), "internal error"));
                        }
                    });
        });
    }

    /** Worker threads and how many requests they may have in hand (running and waiting). */
    record Lane(WorkerExecutor workers, AtomicInteger pending, int limit) {
    }

    /** Polls, commands and small bulks; and bulks of more than {@link HttpLimits#JOLOKIA_LARGE_BULK_ITEMS} items. */
    record Lanes(Lane small, Lane large) {
        void close() {
            small.workers().close();
            large.workers().close();
        }
    }

    private static String tooLarge() {
        return "the body is larger than " + HttpLimits.JOLOKIA_MAX_BODY_BYTES + " bytes";
    }

    /** An HTTP status and the JSON to answer with. */
    record Answer(int status, Buffer body) {
        Answer(int status, String json) {
            this(status, Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Answers a request body: on a worker thread (the JMX work blocks). */
    static Answer answer(HttpRequestHandler jolokia, PollAnswers poll, JsonNode root, String remote, String origin) {
        try {
            jolokia.checkAccess(remote, remote, origin, "http");
        } catch (SecurityException e) {
            return new Answer(403, errorJson(null, 403, "java.lang.SecurityException", e.getMessage()));
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            return new Answer(400, errorJson(null, 400, "java.lang.IllegalArgumentException",
                    "the body must be a JSON object (one request) or an array of them (a bulk request)"));
        }
        // Read per request, so that a running agent can be compared with itself (the tests do).
        boolean fast = !"false".equals(System.getProperty(PollAnswers.SWITCH));
        if (root.isObject()) {
            return new Answer(200, Buffer.buffer(item(jolokia, fast ? poll : null, root)));
        }
        if (root.size() > HttpLimits.JOLOKIA_MAX_BULK_ITEMS) {
            return new Answer(400, errorJson(null, 400, "java.lang.IllegalArgumentException",
                    "a bulk request may carry at most " + HttpLimits.JOLOKIA_MAX_BULK_ITEMS + " requests; this one has "
                            + root.size()));
        }
        List<byte[]> parts = new ArrayList<>();
        long size = 2;
        for (JsonNode n : root) {
            byte[] part = size >= HttpLimits.JOLOKIA_MAX_ANSWER_BYTES ? null : item(jolokia, fast ? poll : null, n);
            if (part == null || size + part.length + 1 > HttpLimits.JOLOKIA_MAX_ANSWER_BYTES) {
                part = errorJson(n, 413, "java.lang.IllegalArgumentException", "the answer would exceed "
                        + HttpLimits.JOLOKIA_MAX_ANSWER_BYTES + " bytes: ask for this item in another request")
                        .getBytes(StandardCharsets.UTF_8);
            }
            size += part.length + 1;
            parts.add(part);
        }
        Buffer out = Buffer.buffer((int) size).appendByte((byte) '[');
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                out.appendByte((byte) ',');
            }
            out.appendBytes(parts.get(i));
        }
        return new Answer(200, out.appendByte((byte) ']'));
    }

    /**
     * One request of a body: one of the manager's poll reads from {@code poll} when it has the
     * answer (null: never), else as Jolokia answers it, or refused before it reaches Jolokia.
     */
    private static byte[] item(HttpRequestHandler jolokia, PollAnswers poll, JsonNode n) {
        PollAnswers.Item read = poll == null ? null : PollAnswers.match(n);
        byte[] fast = read == null ? null : poll.answer(read);
        return fast != null ? fast : item(jolokia, n).getBytes(StandardCharsets.UTF_8);
    }

    /** One request of a body, answered as Jolokia answers it, or refused before it reaches Jolokia. */
    private static String item(HttpRequestHandler jolokia, JsonNode n) {
        if (!n.isObject()) {
            return errorJson(null, 400, "java.lang.IllegalArgumentException", "each request must be a JSON object");
        }
        String type = n.path("type").asText("");
        if ("notification".equals(type)) {
            return errorJson(n, 403, "java.lang.SecurityException", "notification requests are not served by a Federa agent");
        }
        if (!TYPES.contains(type)) {
            return errorJson(n, 400, "java.lang.IllegalArgumentException",
                    "type must be one of read, exec, list, search, version; got '" + type + "'");
        }
        JsonNode options = n.get("config");
        if (options != null) {
            if (!options.isObject()) {
                return errorJson(n, 400, "java.lang.IllegalArgumentException", "config must be a JSON object");
            }
            for (var it = options.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!ITEM_OPTIONS.contains(key)) {
                    return errorJson(n, 400, "java.lang.IllegalArgumentException", "config: " + key
                            + " may not be set by a client; only " + String.join(", ", ITEM_OPTIONS.stream().sorted().toList()));
                }
            }
        }
        try {
            JSONStructure answer = jolokia.handlePostRequest(CONTEXT,
                    new ByteArrayInputStream(JSON.writeValueAsBytes(n)), StandardCharsets.UTF_8.name(), Map.of());
            return answer.toJSONString();
        } catch (SecurityException e) {
            return errorJson(n, 403, "java.lang.SecurityException", e.getMessage());
        } catch (BadRequestException e) {
            return errorJson(n, 400, "java.lang.IllegalArgumentException", e.getMessage());
        } catch (Throwable t) {
            return jolokia.handleThrowable(t).toJSONString();
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** An error in Jolokia's own shape, so that clients read every refusal the same way. */
    static String errorJson(JsonNode request, int status, String type, String message) {
        ObjectNode o = JSON.createObjectNode();
        if (request != null) {
            o.set("request", request);
        }
        o.put("error_type", type);
        o.put("error", type + " : " + message);
        o.put("status", status);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers at once and closes the connection: its body, if any, is never read. */
    private static void refuse(HttpServerRequest req, int status, String message) {
        String type = status == 401 || status == 403 ? "java.lang.SecurityException" : "java.lang.IllegalArgumentException";
        req.response().putHeader("Connection", "close");
        send(req.response(), status, errorJson(null, status, type, message))
                .onComplete(v -> req.connection().close());
    }

    private static io.vertx.core.Future<Void> send(HttpServerResponse resp, int status, String json) {
        return send(resp, status, Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static io.vertx.core.Future<Void> send(HttpServerResponse resp, int status, Buffer body) {
        if (resp.ended() || resp.closed()) {
            return io.vertx.core.Future.succeededFuture();
        }
        return resp.setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .end(body);
    }

    public InetSocketAddress address() {
        return server.address(address);
    }

    /** The URL to POST requests to, e.g. {@code http://127.0.0.1:8778/jolokia/} ({@code https://} over TLS). */
    public String url() {
        String host = address.contains(":") ? "[" + address + "]" : address;
        return server.scheme() + "://" + host + ":" + server.port() + CONTEXT;
    }

    /** To be told of each new sample: drops the previous sample's answer to the manager's poll. */
    public Consumer<HostSnapshot> sampleListener() {
        return poll;
    }

    /** The answers to the manager's poll, for tests. */
    PollAnswers poll() {
        return poll;
    }

    /** The listener, for its counters. */
    public GuardedServer server() {
        return server;
    }

    @Override
    public void close() {
        server.close();
        lanes.close();
        services.stop();
    }

    /** Jolokia's own messages go to the agent's log, quietly. */
    private static final class JulLogHandler implements LogHandler {
        @Override
        public void debug(String message) {
            LOG.debug(message);
        }

        @Override
        public void info(String message) {
            LOG.debug(message);
        }

        @Override
        public void error(String message, Throwable t) {
            LOG.warn(message, t);
        }

        @Override
        public boolean isDebug() {
            return LOG.isDebugEnabled();
        }
    }
}
