package io.federa.manager.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads Alertmanager's webhook (payload version 4) into scaling requests. An alert asks for one
 * when it is firing and its labels name a {@code service}, an {@code application} and an
 * {@code action} ({@code scale_out} or {@code scale_in}); other alerts are counted and left alone,
 * resolved ones too (the scaling policy's own window decides when load is low). A payload that is
 * not Alertmanager's is refused with the field at fault.
 */
final class AlertmanagerWebhook {
    /** One request to scale, with what identifies the alert's occurrence (for deduplication). */
    record Intent(String alertName, String service, String application, boolean out, String fingerprint, String startsAt) {
        String key() {
            return fingerprint + "@" + startsAt;
        }
    }

    /** What a payload holds. */
    record Parsed(List<Intent> intents, int resolved, int ignored) {
    }

    /** The payload is not Alertmanager's webhook, version 4. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        final String field;

        Malformed(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    private AlertmanagerWebhook() {
    }

    static Parsed parse(JsonObject body) throws Malformed {
        if (body == null) {
            throw new Malformed("(body)", "the body must be Alertmanager's webhook JSON");
        }
        if (!"4".equals(body.getValue("version"))) {
            throw new Malformed("version", "must be \"4\" (Alertmanager's webhook payload version), got " + body.getValue("version"));
        }
        if (!(body.getValue("alerts") instanceof JsonArray alerts)) {
            throw new Malformed("alerts", "must be a list of alerts");
        }
        if (alerts.size() > 10_000) {
            throw new Malformed("alerts", "more than 10000 alerts in one payload");
        }
        List<Intent> intents = new ArrayList<>();
        int resolved = 0;
        int ignored = 0;
        for (int i = 0; i < alerts.size(); i++) {
            String p = "alerts[" + i + "]";
            if (!(alerts.getValue(i) instanceof JsonObject a)) {
                throw new Malformed(p, "must be an object");
            }
            if (!(a.getValue("labels") instanceof JsonObject labels)) {
                throw new Malformed(p + ".labels", "must be an object of labels");
            }
            if (!(a.getValue("status") instanceof String status) || !(status.equals("firing") || status.equals("resolved"))) {
                throw new Malformed(p + ".status", "must be firing or resolved");
            }
            String service = label(labels, "service");
            String application = label(labels, "application");
            String action = label(labels, "action");
            if (service == null || application == null || action == null
                    || !(action.equals("scale_out") || action.equals("scale_in"))) {
                ignored++;
                continue;
            }
            if (status.equals("resolved")) {
                resolved++;
                continue;
            }
            String fingerprint = a.getValue("fingerprint") instanceof String f ? f : labels.encode();
            String startsAt = a.getValue("startsAt") instanceof String s ? s : "";
            String name = label(labels, "alertname");
            intents.add(new Intent(name == null ? "(unnamed)" : name, service, application, action.equals("scale_out"),
                    fingerprint, startsAt));
        }
        return new Parsed(intents, resolved, ignored);
    }

    private static String label(JsonObject labels, String name) {
        Object v = labels.getValue(name);
        return v instanceof String s && s.length() <= 128 ? s : null;
    }
}
