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
 * Sends one probe to an application inside its VM, at the address the VM's host forwards its port
 * to, answered whole within the probe's timeout:
 * <ul>
 *   <li>HTTP: a GET of the probe's path; a 2xx status passes;</li>
 *   <li>Jolokia: a read POSTed to the agent's path; passes when Jolokia answers the read with
 *       status 200 and the attribute is not {@code false};</li>
 *   <li>SNMP: a v2c GET; passes when the agent has a value for the OID.</li>
 * </ul>
 * An HTTP answer is at most {@link #MAX_ANSWER_BYTES}, each probe on a connection of its own (a
 * probe also checks that the guest accepts connections), never kept. Never fails its future:
 * every problem is a failed {@link ProbeResult} that names it.
 */
public final class GuestProbes {
    /** A health answer is small; one larger is cut and fails. */
    public static final int MAX_ANSWER_BYTES = 64 * 1024;

    private final Vertx vertx;
    private final HttpClient client;
    /** Opened at the first SNMP probe: most fleets have none. */
    private SnmpProbes snmp;

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
        long t0 = System.nanoTime();
        if (spec.ask() instanceof ProbeSpec.Snmp s) {
            if (snmp == null) {
                try {
                    snmp = new SnmpProbes();
                } catch (java.io.IOException e) {
                    return Future.succeededFuture(ProbeResult.failed("SNMP: cannot open a UDP socket: " + e.getMessage(),
                            nowMillis));
                }
            }
            return snmp.get(vertx.getOrCreateContext(), host, port, s, spec, nowMillis);
        }
        RequestOptions request = new RequestOptions().setHost(host).setPort(port);
        Buffer body = null;
        if (spec.ask() instanceof ProbeSpec.Jolokia j) {
            request.setMethod(HttpMethod.POST).setURI(j.path());
            body = Buffer.buffer(JolokiaAnswers.request(j, spec.loadField()));
        } else {
            request.setMethod(HttpMethod.GET).setURI(((ProbeSpec.Http) spec.ask()).path());
        }
        return exchange(request, body, spec.timeout().toMillis(), nowMillis, t0).map(answer -> {
            if (answer.failure() != null) {
                return answer.failure();
            }
            long when = at(nowMillis, t0);
            if (answer.status() < 200 || answer.status() > 299) {
                String text = firstLine(answer.body());
                return ProbeResult.failed("HTTP " + answer.status() + (answer.message() == null ? "" : " " + answer.message())
                        + (text.isEmpty() ? "" : ": " + text), when);
            }
            if (spec.ask() instanceof ProbeSpec.Jolokia j) {
                return JolokiaAnswers.judge(answer.body(), j, spec.loadField(), when);
            }
            return ProbeResult.passed(load(answer.body(), spec), when);
        });
    }

    /** An HTTP answer read whole, or the failure that ended the exchange. */
    private record Answer(int status, String message, Buffer body, ProbeResult failure) {
    }

    /** One request on a connection of its own, its answer read whole within {@code deadline} ms and {@link #MAX_ANSWER_BYTES}. */
    private Future<Answer> exchange(RequestOptions options, Buffer payload, long deadline, long nowMillis, long t0) {
        Promise<Answer> result = Promise.promise();
        AtomicBoolean finished = new AtomicBoolean();
        HttpClientRequest[] sent = new HttpClientRequest[1];
        long timer = vertx.setTimer(deadline, id -> {
            if (finished.compareAndSet(false, true)) {
                if (sent[0] != null) {
                    sent[0].reset();
                }
                result.complete(failure(ProbeResult.failed("no answer within " + deadline + " ms", nowMillis + deadline)));
            }
        });
        Runnable cancel = () -> vertx.cancelTimer(timer);
        client.request(options.setConnectTimeout(deadline))
                .compose(req -> {
                    if (finished.get()) {
                        req.reset();
                        return Future.failedFuture("late");
                    }
                    sent[0] = req;
                    req.putHeader("User-Agent", "federa-manager-probe").putHeader("Accept", "application/json, text/plain, */*");
                    if (payload == null) {
                        return req.send();
                    }
                    req.putHeader("Content-Type", "application/json");
                    return req.send(payload);
                })
                .onFailure(e -> {
                    if (finished.compareAndSet(false, true)) {
                        cancel.run();
                        result.complete(failure(ProbeResult.failed(describe(e), at(nowMillis, t0))));
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
                                result.complete(failure(ProbeResult.failed("HTTP " + status + " with an answer over "
                                        + MAX_ANSWER_BYTES + " bytes", at(nowMillis, t0))));
                            }
                            return;
                        }
                        body.appendBuffer(chunk);
                    });
                    resp.exceptionHandler(e -> {
                        if (finished.compareAndSet(false, true)) {
                            cancel.run();
                            result.complete(failure(ProbeResult.failed(describe(e), at(nowMillis, t0))));
                        }
                    });
                    resp.endHandler(v -> {
                        if (finished.compareAndSet(false, true)) {
                            cancel.run();
                            result.complete(new Answer(status, resp.statusMessage(), body, null));
                        }
                    });
                });
        return result.future();
    }

    private static Answer failure(ProbeResult r) {
        return new Answer(0, null, null, r);
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

    static long at(long startMillis, long t0) {
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
        if (snmp != null) {
            snmp.close();
        }
        return client.close();
    }
}
