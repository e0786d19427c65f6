package io.federa.manager.probe;

import io.federa.manager.core.probe.ProbeResult;
import io.federa.manager.core.spec.ProbeSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A Jolokia probe's request and how its answer is judged: one {@code read} of the probe's
 * attribute (and of the load attribute, when the probe names one, in the same read), answered by
 * Jolokia with its own status in the body (Jolokia answers most refusals with HTTP 200).
 */
final class JolokiaAnswers {
    private JolokiaAnswers() {
    }

    /** The read's JSON body: {@code {"type":"read","mbean":…,"attribute":…}}. */
    static String request(ProbeSpec.Jolokia j, Optional<String> loadAttribute) {
        JsonObject read = new JsonObject().put("type", "read").put("mbean", j.mbean());
        if (loadAttribute.isPresent() && !loadAttribute.get().equals(j.attribute())) {
            read.put("attribute", new JsonArray().add(j.attribute()).add(loadAttribute.get()));
        } else {
            read.put("attribute", j.attribute());
        }
        return read.encode();
    }

    /** Passed when Jolokia read the attribute (status 200) and it is not {@code false}; the load when it is a number 0–1. */
    static ProbeResult judge(Buffer body, ProbeSpec.Jolokia j, Optional<String> loadAttribute, long when) {
        JsonObject answer;
        try {
            if (!body.toString(StandardCharsets.UTF_8).strip().startsWith("{")) {
                return ProbeResult.failed("not a Jolokia answer (not a JSON object): " + GuestProbes.firstLine(body), when);
            }
            answer = new JsonObject(body);
        } catch (DecodeException e) {
            return ProbeResult.failed("not a Jolokia answer (not JSON): " + GuestProbes.firstLine(body), when);
        }
        Object status = answer.getValue("status");
        if (!(status instanceof Number n) || n.intValue() != 200) {
            String error = answer.getValue("error") instanceof String s ? s : "no error given";
            return ProbeResult.failed("Jolokia " + status + ": " + clip(error), when);
        }
        Object value = answer.getValue("value");
        boolean both = loadAttribute.isPresent() && !loadAttribute.get().equals(j.attribute());
        Object health = value;
        Object load = loadAttribute.isPresent() ? value : null;
        if (both) {
            Map<String, Object> values = value instanceof JsonObject o ? o.getMap() : Map.of();
            health = values.get(j.attribute());
            load = values.get(loadAttribute.get());
        }
        if (Boolean.FALSE.equals(health)) {
            return ProbeResult.failed(j.attribute() + " is false", when);
        }
        if (load instanceof Number l && Double.isFinite(l.doubleValue()) && l.doubleValue() >= 0 && l.doubleValue() <= 1) {
            return ProbeResult.passed(OptionalDouble.of(l.doubleValue()), when);
        }
        return ProbeResult.passed(OptionalDouble.empty(), when);
    }

    private static String clip(String s) {
        String one = s.strip().replaceAll("[\\p{Cntrl}]", "?");
        return one.length() > 120 ? one.substring(0, 120) + "…" : one;
    }
}
