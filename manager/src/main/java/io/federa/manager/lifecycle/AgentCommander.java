package io.federa.manager.lifecycle;

import io.federa.manager.agent.JolokiaClient;
import io.federa.manager.config.ManagerConfig;
import io.federa.manager.core.lifecycle.Action;
import io.federa.manager.core.lifecycle.RefusalCode;
import io.federa.manager.core.spec.Resources;
import io.federa.manager.tls.ManagerTls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Sends one {@link Action} to its host's agent through the agent's {@code execute} operation, with
 * an operation id, without blocking. An agent's refusal (a stale epoch, no lease, a name taken)
 * fails the future with {@link Refused}; anything else (timeout, refused connection, HTTP error,
 * an answer too large) with a plain failure naming the agent, after which the same operation id
 * may be sent again. Sent through the manager's one {@link JolokiaClient}, as polls are.
 */
public final class AgentCommander {
    /**
     * The agent said no, and why; sending the same command again would not help. Decide on its
     * {@link #code()}: the message is the agent's sentence, code first, for people.
     */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        private final RefusalCode code;

        public Refused(String reason) {
            super(reason, null, false, false);
            this.code = RefusalCode.of(reason);
        }

        public RefusalCode code() {
            return code;
        }
    }

    /** Told of every call once its answer is known, for the audit log; never given an argument that may hold a secret. */
    @FunctionalInterface
    public interface Audit {
        /**
         * @param agent  the agent called
         * @param term   the term the call was sent with
         * @param action what was asked, e.g. {@code execute start web-2 (epoch 3)} or {@code importData}
         * @param result {@code done}, {@code refused: …} or {@code failed: …}
         */
        void called(String agent, long term, String action, String result);
    }

    private final JolokiaClient client;
    private final long timeoutMillis;
    private volatile Audit audit = (agent, term, action, result) -> { };
    private final java.util.function.LongSupplier term;

    public AgentCommander(Vertx vertx, long timeoutMillis) {
        this(vertx, timeoutMillis, () -> 0);
    }

    /** @param term the leader's term, sent with every command (agents refuse one older than they have seen) */
    public AgentCommander(Vertx vertx, long timeoutMillis, java.util.function.LongSupplier term) {
        this(vertx, timeoutMillis, term, java.util.Optional.empty());
    }

    /**
     * @param tls when given, commands go over TLS only, to agents whose certificate chains to the
     *            configured authority, names the address asked and, for an agent with a pinned
     *            fingerprint, is that very certificate (checked before the command is sent)
     */
    public AgentCommander(Vertx vertx, long timeoutMillis, java.util.function.LongSupplier term,
                          java.util.Optional<ManagerTls> tls) {
        this.term = term;
        this.timeoutMillis = timeoutMillis;
        this.client = new JolokiaClient(vertx, 2_000, CONNECTIONS_PER_AGENT, tls);
    }

    /** Commands in flight to one agent at once over kept connections (more wait for one). */
    static final int CONNECTIONS_PER_AGENT = 8;

    /**
     * The largest answer a command may have: an {@code execute} result or a transfer's status is a
     * few hundred bytes; anything past this is cut off, never held.
     */
    static final int MAX_ANSWER_BYTES = 1024 * 1024;

    /** The command as the agent's {@code execute} reads it. */
    static JsonObject command(Action a, String operationId, long term) {
        JsonObject c = new JsonObject().put("operationId", operationId).put("action", a.verb()).put("vm", a.vm())
                .put("epoch", a.epoch());
        if (term > 0) {
            c.put("term", term);
        }
        if (a instanceof Action.Define d) {
            c.put("spec", new JsonObject().put("name", d.vm()).put("application", d.application()).put("service", d.service())
                    .put("vcpus", d.resources().vcpus()).put("memoryMiB", d.resources().memoryMiB())
                    .put("diskGiB", d.resources().diskGiB()));
            // Named only when it is not the default, so a raw VM's spec reads as it always did.
            if (!Resources.RAW.equals(d.resources().diskFormat())) {
                c.getJsonObject("spec").put("diskFormat", d.resources().diskFormat());
            }
            d.uuid().ifPresent(u -> c.getJsonObject("spec").put("uuid", u));
            io.vertx.core.json.JsonArray tcp = new io.vertx.core.json.JsonArray();
            io.vertx.core.json.JsonArray udp = new io.vertx.core.json.JsonArray();
            for (String port : d.ports()) {
                if (port.endsWith("/udp")) {
                    udp.add(Integer.parseInt(port.substring(0, port.length() - "/udp".length())));
                } else {
                    tcp.add(Integer.parseInt(port));
                }
            }
            if (!tcp.isEmpty()) {
                c.getJsonObject("spec").put("ports", tcp);
            }
            if (!udp.isEmpty()) {
                c.getJsonObject("spec").put("udpPorts", udp);
            }
        }
        return c;
    }

    /** Who is told of every call (the audit log). */
    public void audit(Audit a) {
        this.audit = a;
    }

    /** Sends the action; the agent's result ({@code outcome}, {@code replayed} …) on success. */
    public Future<JsonObject> send(ManagerConfig.Agent agent, Action a, String operationId) {
        return call(agent, "execute", command(a, operationId, term.getAsLong()).encode(), "execute " + a.verb() + " " + a.vm()
                + " (epoch " + a.epoch() + ")");
    }

    /**
     * Calls one of the agent's {@code federa:type=Agent} operations that take a JSON string and
     * answer one; a refusal (Jolokia status 400) fails with {@link Refused}.
     */
    public Future<JsonObject> call(ManagerConfig.Agent agent, String operation, JsonObject argument) {
        return call(agent, operation, argument.encode());
    }

    /** As {@link #call(ManagerConfig.Agent, String, JsonObject)}, with a plain string argument. */
    public Future<JsonObject> call(ManagerConfig.Agent agent, String operation, String argument) {
        // Only the operation's name goes to the audit log: data offers and imports carry tokens.
        return call(agent, operation, argument, operation);
    }

    private Future<JsonObject> call(ManagerConfig.Agent agent, String operation, String argument, String audited) {
        long sentTerm = term.getAsLong();
        return send(agent, operation, argument).andThen(ar -> audit.called(agent.name(), sentTerm, audited, ar.succeeded()
                ? "done" : ar.cause() instanceof Refused ? "refused: " + ar.cause().getMessage() : "failed: " + ar.cause().getMessage()));
    }

    private Future<JsonObject> send(ManagerConfig.Agent agent, String operation, String argument) {
        return operate(agent, "federa:type=Agent", operation, new JsonArray().add(argument)).compose(value -> {
            if (value instanceof String v) {
                try {
                    return Future.succeededFuture(new JsonObject(v));
                } catch (RuntimeException e) {
                    return Future.failedFuture("bad answer from " + agent.name() + ": the result is not JSON");
                }
            }
            return Future.failedFuture("bad answer from " + agent.name() + ": the result is not JSON");
        });
    }

    /**
     * Runs an operation of one of the agent's MBeans (a VM's {@code simulateLoad}, the agent's
     * {@code destroyVm}) with these arguments, told to the audit log as {@code audited}; its value
     * as the agent answered it. A refusal (Jolokia status 400) fails with {@link Refused}.
     */
    public Future<Object> operate(ManagerConfig.Agent agent, String mbean, String operation, JsonArray arguments, String audited) {
        long sentTerm = term.getAsLong();
        return operate(agent, mbean, operation, arguments).andThen(ar -> audit.called(agent.name(), sentTerm, audited, ar.succeeded()
                ? "done" : ar.cause() instanceof Refused ? "refused: " + ar.cause().getMessage() : "failed: " + ar.cause().getMessage()));
    }

    private Future<Object> operate(ManagerConfig.Agent agent, String mbean, String operation, JsonArray arguments) {
        JsonObject body = new JsonObject().put("type", "exec").put("mbean", mbean).put("operation", operation)
                .put("arguments", arguments);
        JolokiaClient.Target target = new JolokiaClient.Target("agent " + agent.name(), agent.address(), agent.port(),
                "/jolokia/", agent.user(), agent.password(), agent.fingerprint());
        // The whole answer within the command's timeout, and no larger than a command's answer can be.
        return client.post(target, body.encode(), timeoutMillis, MAX_ANSWER_BYTES)
                .recover(e -> Future.failedFuture(new IllegalStateException(agent.name() + ": " + e.getMessage())))
                .compose(b -> {
                    JsonObject answer;
                    try {
                        answer = b.toJsonObject();
                    } catch (RuntimeException e) {
                        return Future.failedFuture("bad answer from " + agent.name() + ": not JSON");
                    }
                    int status = answer.getInteger("status", 0);
                    if (status == 200) {
                        return Future.succeededFuture(answer.getValue("value"));
                    }
                    String error = answer.getString("error", "status " + status);
                    int colon = error.indexOf(" : ");
                    String why = colon >= 0 ? error.substring(colon + 3) : error;
                    return status == 400 ? Future.failedFuture(new Refused(why))
                            : Future.failedFuture(agent.name() + " failed: " + why);
                });
    }

    public Future<Void> close() {
        return client.close();
    }
}
