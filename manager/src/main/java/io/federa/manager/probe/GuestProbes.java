package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Sends one probe to an application inside its VM: an HTTP GET of the probe's path at the address
 * the VM's host forwards its port to, answered whole within the probe's timeout and in at most
 * {@link #MAX_ANSWER_BYTES}; a 2xx status passes. Each probe on a connection of its own (a probe
 * also checks that the guest accepts connections), never kept. Never fails its future: every
 * problem is a failed {@link ProbeResult} that names it.
 */
public final class GuestProbes {
    /** A health answer is small; one larger is cut and fails. */
    public static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient client;

    public GuestProbes(Vertx vertx, int maxConnections) {
        this.vertx = vertx;
        this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
                .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(maxConnections));
    }

    /** Probes {@code address} ({@code 127.0.0.1:41999}); must be called on an event loop. */
    public Future<ProbeResult> probe(String address, ProbeSpec spec, long nowMillis) {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        long deadline = spec.timeout().toMillis();
        long t0 = System.nanoTime();
        Promise<ProbeResult> result = Promise.promise();
        AtomicBoolean finished = new AtomicBoolean();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long timer = vertx.setTimer(deadline, id -> {
            if (finished.compareAndSet(false, true)) {
                if (sent[0] != null) {
                    sent[0].reset();
                }
                result.complete(ProbeResult.failed("no answer within " + deadline + " ms", nowMillis + deadline));
            }
        });
        Runnable cancel = () -> vertx.cancelTimer(timer);
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI(spec.path())
                        .setConnectTimeout(deadline))
                .compose(req -> {
                    if (finished.get()) {
                        req.reset();
                        return Future.failedFuture("late");
                    }
                    sent[0] = req;
                    req.putHeader("User-Agent", "federa-manager-probe").putHeader("Accept", "application/json, text/plain, */*");
                    return req.send();
                })
                .onFailure(e -> {
                    if (finished.compareAndSet(false, true)) {
                        cancel.run();
                        result.complete(ProbeResult.failed(describe(e), at(nowMillis, t0)));
                    }
                })
                .onSuccess(resp -> {
                    int status = resp.statusCode();
                    Buffer body = Buffer.buffer();
                    resp.handler(chunk -> {
                        if (finished.get()) {
                            return;
                        }
                        if (body.length() + chunk.length() > MAX_ANSWER_BYTES) {
                            if (finished.compareAndSet(false, true)) {
                                cancel.run();
                                resp.request().reset();
                                result.complete(ProbeResult.failed("HTTP " + status + " with an answer over " + MAX_ANSWER_BYTES
                                        + " bytes", at(nowMillis, t0)));
                            }
                            return;
                        }
                        body.appendBuffer(chunk);
                    });
                    resp.exceptionHandler(e -> {
                        if (finished.compareAndSet(false, true)) {
                            cancel.run();
                            result.complete(ProbeResult.failed(describe(e), at(nowMillis, t0)));
                        }
                    });
                    resp.endHandler(v -> {
                        if (finished.compareAndSet(false, true)) {
                            cancel.run();
                            long when = at(nowMillis, t0);
                            if (status < 200 || status > 299) {
                                String text = firstLine(body);
                                result.complete(ProbeResult.failed("HTTP " + status + (resp.statusMessage() == null ? ""
                                        : " " + resp.statusMessage()) + (text.isEmpty() ? "" : ": " + text), when));
                            } else {
                                result.complete(ProbeResult.passed(load(body, spec), when));
                            }
                        }
                    });
                });
        return result.future();
    }

    /** The load field of a passing answer's JSON body, when the probe names one and it is a number from 0 to 1. */
    static OptionalDouble load(Buffer body, ProbeSpec spec) {
        if (spec.loadField().isEmpty()) {
            return OptionalDouble.empty();
        }
        try {
            Object v = new JsonObject(body).getValue(spec.loadField().get());
            if (v instanceof Number n && Double.isFinite(n.doubleValue()) && n.doubleValue() >= 0 && n.doubleValue() <= 1) {
                return OptionalDouble.of(n.doubleValue());
            }
        } catch (RuntimeException e) {
            // Not a JSON object: the application serves, and says nothing of its load.
        }
        return OptionalDouble.empty();
    }

    private static long at(long startMillis, long t0) {
        return startMillis + (System.nanoTime() - t0) / 1_000_000;
    }

    /** The first line of an answer, cut to 80 printable characters, for a reason. */
    static String firstLine(Buffer body) {
        String s = body.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        int nl = s.indexOf('\n');
        if (nl >= 0) {
            s = s.substring(0, nl).strip();
        }
        s = s.replaceAll("[\\p{Cntrl}]", "?");
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    private static String describe(Throwable e) {
        return io.federa.common.http.ClientFailures.describe(e, "the guest before an answer");
    }

    public Future<Void> close() {
        return client.close();
    }
}
